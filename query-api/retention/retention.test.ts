// Retention matrices against stored events: cohorts by the local day or week a visitor was first
// seen (over all history, so visitors seen before the range are not new), and who came back
// each later period, recomputed in JavaScript with local dates from Intl.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registered } from '../../control-plane/testing/harness.ts';
import {
  bearer,
  bucketKey,
  generateEvents,
  insertEvents,
  openFixture,
  type QueryApiFixture,
  qs,
  type TestEvent,
  visitorOf,
} from '../testing/index.ts';
import type { Retention } from './index.ts';

const DATA_FROM = Date.UTC(2026, 2, 2);
const DATA_TO = Date.UTC(2026, 3, 6);
const ZONE = 'America/New_York';

let fx: QueryApiFixture;
let owner: Registered;
let stored: TestEvent[];

beforeAll(async () => {
  fx = await openFixture('retention');
  owner = await fx.owner(ZONE);
  stored = generateEvents({ appId: owner.app.id, seed: 71, from: DATA_FROM, to: DATA_TO, visitors: 700 });
  await insertEvents(fx.ch, stored);
});
afterAll(() => fx?.close());

const dayNumber = (localDate: string) => Date.parse(`${localDate}T00:00:00Z`) / 86_400_000;

/** cohort date -> period -> visitors, computed from the events alone. */
function expectedMatrix(unit: 'day' | 'week', from: number, to: number): Map<string, Map<number, number>> {
  const first = new Map<string, number>();
  const active = new Map<string, Set<string>>();
  for (const event of stored) {
    const visitor = visitorOf(event);
    if (visitor === '' || event.ts >= to) continue;
    first.set(visitor, Math.min(first.get(visitor) ?? Number.POSITIVE_INFINITY, event.ts));
    if (event.ts >= from) {
      const set = active.get(visitor) ?? new Set<string>();
      set.add(bucketKey(event.ts, unit, ZONE));
      active.set(visitor, set);
    }
  }
  const matrix = new Map<string, Map<number, number>>();
  for (const [visitor, firstTs] of first) {
    if (firstTs < from) continue;
    const cohort = bucketKey(firstTs, unit, ZONE);
    const row = matrix.get(cohort) ?? new Map<number, number>();
    for (const key of active.get(visitor) ?? []) {
      const period = (dayNumber(key) - dayNumber(cohort)) / (unit === 'day' ? 1 : 7);
      row.set(period, (row.get(period) ?? 0) + 1);
    }
    matrix.set(cohort, row);
  }
  return matrix;
}

function expectRetention(answer: Retention, unit: 'day' | 'week', from: number, to: number, cohorts: number) {
  const expected = expectedMatrix(unit, from, to);
  expect(answer.cohorts).toHaveLength(cohorts);
  for (const [index, cohort] of answer.cohorts.entries()) {
    expect(cohort.retained).toHaveLength(cohorts - index);
    const row = expected.get(cohort.cohort) ?? new Map<number, number>();
    expect(cohort.retained, cohort.cohort).toEqual(cohort.retained.map((_, period) => row.get(period) ?? 0));
    expect(cohort.size).toBe(row.get(0) ?? 0);
    expect(cohort.rates[0]).toBe(cohort.size === 0 ? 0 : 1);
  }
  expect(answer.cohorts.reduce((sum, cohort) => sum + cohort.size, 0)).toBe(
    [...expected.values()].reduce((sum, row) => sum + (row.get(0) ?? 0), 0),
  );
}

describe('GET /api/analytics/retention', () => {
  it('builds daily cohorts in the app time zone across a DST change', async () => {
    const answer = await fx.json<Retention>(
      `/api/analytics/retention?${qs({ appId: owner.app.id, cohort: 'day', startDate: '2026-03-05', endDate: '2026-03-15' })}`,
      bearer(owner),
    );
    expect(answer.cohorts[0]?.cohort).toBe('2026-03-05');
    expect(answer.cohorts.at(-1)?.cohort).toBe('2026-03-15');
    expectRetention(
      answer,
      'day',
      Date.parse('2026-03-05T00:00:00-05:00'),
      Date.parse('2026-03-16T00:00:00-04:00'),
      11,
    );
    expect(answer.cohorts[0]?.size).toBeGreaterThan(5);
    expect(answer.cohorts[0]?.retained.slice(1).some((users) => users > 0)).toBe(true);
  });

  it('builds weekly cohorts from Monday, the first one cut by the range start', async () => {
    const answer = await fx.json<Retention>(
      `/api/analytics/retention?${qs({ appId: owner.app.id, cohort: 'week', startDate: '2026-03-04', endDate: '2026-04-05' })}`,
      { apiKey: owner.keys.server.key },
    );
    expect(answer.cohorts.map((cohort) => cohort.cohort)).toEqual([
      '2026-03-02',
      '2026-03-09',
      '2026-03-16',
      '2026-03-23',
      '2026-03-30',
    ]);
    expectRetention(
      answer,
      'week',
      Date.parse('2026-03-04T00:00:00-05:00'),
      Date.parse('2026-04-06T00:00:00-04:00'),
      5,
    );
  });

  it('refuses a matrix with too many cohorts', async () => {
    const response = await fx.get(
      `/api/analytics/retention?${qs({ appId: owner.app.id, cohort: 'day', startDate: '2025-10-01', endDate: '2026-03-01' })}`,
      bearer(owner),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('too_many_cohorts');
  });
});
