// Breakdowns against stored events: top N by events with an "other" row whose visitors are a
// true distinct count, for rollup dimensions (UTC-day ranges), raw-only dimensions (UTM, event
// name) and metadata keys (strings, numbers, nested keys, missing keys).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registered } from '../../control-plane/testing/harness.ts';
import {
  bearer,
  expectRows,
  generateEvents,
  inRange,
  insertEvents,
  openFixture,
  type QueryApiFixture,
  qs,
  type TestEvent,
  topRows,
} from '../testing/index.ts';

const DATA_FROM = Date.UTC(2026, 2, 2);
const DATA_TO = Date.UTC(2026, 2, 23);

let fx: QueryApiFixture;
let owner: Registered;
let stored: TestEvent[];

interface Answer {
  dimension: string;
  rows: { value: string | null; events: number; uniqueUsers: number; other?: { values: number } }[];
  totals: { events: number };
  sources: { rows: string };
}

beforeAll(async () => {
  fx = await openFixture('breakdown');
  owner = await fx.owner();
  const other = await fx.owner();
  stored = generateEvents({ appId: owner.app.id, seed: 31, from: DATA_FROM, to: DATA_TO, visitors: 400 });
  const noise = generateEvents({
    appId: other.app.id,
    seed: 32,
    from: DATA_FROM,
    to: DATA_TO,
    visitors: 100,
    marker: 'x-',
  });
  await insertEvents(fx.ch, [...stored, ...noise]);
});
afterAll(() => fx?.close());

function breakdown(params: Record<string, string | number>) {
  return fx.json<Answer>(`/api/analytics/breakdown?${qs({ appId: owner.app.id, ...params })}`, bearer(owner));
}

const metadataValue = (path: string[]) => (event: TestEvent) => {
  let value: unknown = event.properties;
  for (const key of path)
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
};

const FULL = { startDate: '2026-03-02', endDate: '2026-03-22' };
const ALL = () => inRange(stored, DATA_FROM, DATA_TO);

const CASES: [string, Record<string, string | number>, (event: TestEvent) => string, RegExp][] = [
  ['browser', { dimension: 'browser' }, (e) => e.browser, /^events_daily_dims/],
  ['os', { dimension: 'os', limit: 3 }, (e) => e.os, /^events_daily_dims/],
  ['device', { dimension: 'device' }, (e) => e.device_type, /^events_daily_dims/],
  ['path', { dimension: 'path', limit: 5 }, (e) => e.path, /^events_daily_dims/],
  ['referrer', { dimension: 'referrer', limit: 3 }, (e) => e.referrer_domain, /^events_daily_dims/],
  ['country', { dimension: 'country' }, (e) => e.country, /^events_daily_dims/],
  ['utm_source', { dimension: 'utm_source' }, (e) => e.utm_source, /^events:.*utm_source/],
  ['utm_campaign', { dimension: 'utm_campaign', limit: 2 }, (e) => e.utm_campaign, /^events:/],
  ['utm_medium', { dimension: 'utm_medium' }, (e) => e.utm_medium, /^events:/],
  ['event_name', { dimension: 'event_name', limit: 3 }, (e) => e.name, /^events:/],
  ['event_type', { dimension: 'event_type' }, (e) => e.event_type, /^events:/],
  ['metadata.plan', { dimension: 'metadata', key: 'plan' }, metadataValue(['plan']), /^events:/],
  ['metadata.n', { dimension: 'metadata', key: 'n' }, metadataValue(['n']), /^events:/],
  [
    'metadata.billing.tier',
    { dimension: 'metadata', key: 'billing.tier' },
    metadataValue(['billing', 'tier']),
    /^events:/,
  ],
  ['metadata.missing', { dimension: 'metadata', key: 'missing' }, metadataValue(['missing']), /^events:/],
];

describe('GET /api/analytics/breakdown', () => {
  it.each(CASES)(
    '%s: top values, "other" row and totals equal the raw events',
    async (label, params, dimensionOf, source) => {
      const limit = Number(params.limit ?? 10);
      const answer = await breakdown({ ...params, ...FULL });
      expect(answer.dimension).toBe(label);
      expect(answer.sources.rows).toMatch(source);
      expectRows(answer.rows, topRows(ALL(), dimensionOf, limit), label);
      expect(answer.totals.events).toBe(ALL().length);
    },
  );

  it('has an "other" row exactly when there are more values than the limit', async () => {
    const answer = await breakdown({ dimension: 'path', limit: 2, ...FULL });
    expect(answer.rows).toHaveLength(3);
    expect(answer.rows[2]?.value).toBeNull();
    expect(answer.rows[2]?.other?.values).toBe(new Set(ALL().map((e) => e.path)).size - 2);
    const all = await breakdown({ dimension: 'device', limit: 100, ...FULL });
    expect(all.rows.some((row) => row.value === null)).toBe(false);
  });

  it('filters by event type on the rollup, and reads the partial days of unaligned ranges raw', async () => {
    const pages = await breakdown({ dimension: 'path', eventType: 'pageview', ...FULL });
    expect(pages.sources.rows).toMatch(/^events_daily_dims/);
    expectRows(
      pages.rows,
      topRows(inRange(stored, DATA_FROM, DATA_TO, 'pageview'), (e) => e.path, 10),
      'pageview paths',
    );
    const from = Date.parse('2026-03-04T06:30:00Z');
    const to = Date.parse('2026-03-09T18:00:00Z');
    const partial = await breakdown({
      dimension: 'browser',
      startDate: '2026-03-04T06:30:00Z',
      endDate: '2026-03-09T18:00:00Z',
    });
    // Whole UTC days March 5-8 from the rollup, the partial days at both ends from the raw table.
    expect(partial.sources.rows).toMatch(/^events_daily_dims\+events:/);
    expectRows(
      partial.rows,
      topRows(inRange(stored, from, to), (e) => e.browser, 10),
      'partial browsers',
    );
  });

  it.each([
    [{ dimension: 'metadata' }, 'invalid_dimension'],
    [{ dimension: 'browser', key: 'plan' }, 'invalid_dimension'],
    [{ dimension: 'metadata', key: 'a..b' }, 'invalid_dimension'],
    [{ dimension: 'metadata', key: 'a.b.c.d.e.f' }, 'invalid_dimension'],
    [{ dimension: 'browser; DROP TABLE events' }, 'validation_failed'],
    [{ dimension: 'browser', limit: 0 }, 'validation_failed'],
    [{ dimension: 'browser', limit: 101 }, 'validation_failed'],
  ])('refuses %j with 400 %s', async (params, code) => {
    const response = await fx.get(
      `/api/analytics/breakdown?${qs({ appId: owner.app.id, ...params })}`,
      bearer(owner),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
  });
});
