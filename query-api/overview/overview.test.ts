// The overview against stored events: headline numbers, session statistics (sessions, i.e. a
// session id's events within one UTC day, that started in the period; single-event bounces;
// first-to-last-event duration), top pages and referrers by page views and breakdowns (top
// lists, no "other" row), each beside the previous period, all recomputed in JavaScript. Run on
// rollups (UTC-day range) and with raw edges (unaligned range); rollup-equals-raw compares the
// two paths on random ranges.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshSessionDayStats } from '../../clickhouse/index.ts';
import type { Registered } from '../../control-plane/testing/harness.ts';
import { bumpAppGenerations } from '../cache/index.ts';
import {
  bearer,
  counts,
  expectRows,
  expectUnique,
  generateEvents,
  inRange,
  insertEvents,
  openFixture,
  type QueryApiFixture,
  qs,
  type TestEvent,
  topRows,
} from '../testing/index.ts';
import { OVERVIEW_TOP_LIMIT, type Overview } from './index.ts';

const DATA_FROM = Date.UTC(2026, 2, 2);
const DATA_TO = Date.UTC(2026, 2, 23);

let fx: QueryApiFixture;
let owner: Registered;
let stored: TestEvent[];

beforeAll(async () => {
  fx = await openFixture('overview');
  owner = await fx.owner();
  const other = await fx.owner();
  stored = generateEvents({ appId: owner.app.id, seed: 41, from: DATA_FROM, to: DATA_TO, visitors: 500 });
  const noise = generateEvents({
    appId: other.app.id,
    seed: 42,
    from: DATA_FROM,
    to: DATA_TO,
    visitors: 100,
    marker: 'x-',
  });
  await insertEvents(fx.ch, [...stored, ...noise]);
});
afterAll(() => fx?.close());

function sessionStats(from: number, to: number) {
  const sessions = new Map<string, number[]>();
  for (const event of stored) {
    if (event.session_id === '') continue;
    const key = `${new Date(event.ts).toISOString().slice(0, 10)} ${event.session_id}`;
    sessions.set(key, [...(sessions.get(key) ?? []), event.ts]);
  }
  const started = [...sessions.values()].filter(
    (times) => Math.min(...times) >= from && Math.min(...times) < to,
  );
  const durations = started.map((times) => Math.max(...times) - Math.min(...times));
  return {
    sessions: started.length,
    bounceRate:
      started.length === 0 ? 0 : started.filter((times) => times.length === 1).length / started.length,
    avgSessionDurationSeconds:
      started.length === 0 ? 0 : durations.reduce((sum, ms) => sum + ms, 0) / started.length / 1000,
  };
}

function expectOverview(answer: Overview, from: number, to: number): void {
  const before = from - (to - from);
  const current = inRange(stored, from, to);
  const previous = inRange(stored, before, from);
  const m = answer.metrics;
  expect([m.events.current, m.events.previous]).toEqual([current.length, previous.length]);
  const pageviews = (events: TestEvent[]) => events.filter((event) => event.event_type === 'pageview');
  expect([m.pageviews.current, m.pageviews.previous]).toEqual([
    pageviews(current).length,
    pageviews(previous).length,
  ]);
  expectUnique(m.uniqueUsers.current, counts(current).uniqueUsers, 'users');
  expectUnique(m.uniqueUsers.previous, counts(previous).uniqueUsers, 'previous users');
  const now = sessionStats(from, to);
  const then = sessionStats(before, from);
  expect(m.sessions).toEqual({ current: now.sessions, previous: then.sessions });
  expect(m.bounceRate.current).toBeCloseTo(now.bounceRate, 12);
  expect(m.bounceRate.previous).toBeCloseTo(then.bounceRate, 12);
  expect(m.avgSessionDurationSeconds.current).toBeCloseTo(now.avgSessionDurationSeconds, 9);
  expect(m.avgSessionDurationSeconds.previous).toBeCloseTo(then.avgSessionDurationSeconds, 9);
  const top = (events: TestEvent[], prior: TestEvent[], of: (event: TestEvent) => string) =>
    topRows(events, of, OVERVIEW_TOP_LIMIT, prior).filter((row) => row.value !== null);
  expectRows(
    answer.topPages,
    top(pageviews(current), pageviews(previous), (e) => e.path),
    'pages',
  );
  expectRows(
    answer.topReferrers,
    top(pageviews(current), pageviews(previous), (e) => e.referrer_domain),
    'referrers',
  );
  expectRows(
    answer.browsers,
    top(current, previous, (e) => e.browser),
    'browsers',
  );
  expectRows(
    answer.os,
    top(current, previous, (e) => e.os),
    'os',
  );
  expectRows(
    answer.devices,
    top(current, previous, (e) => e.device_type),
    'devices',
  );
  expectRows(
    answer.countries,
    top(current, previous, (e) => e.country),
    'countries',
  );
}

const overviewPath = (params: Record<string, string>) =>
  `/api/analytics/apps/${owner.app.id}/overview?${qs(params)}`;

describe('GET /api/analytics/apps/:appId/overview', () => {
  it('answers a UTC-day range from the rollups, compared with the week before', async () => {
    const answer = await fx.json<Overview>(
      overviewPath({ startDate: '2026-03-12', endDate: '2026-03-18' }),
      bearer(owner),
    );
    expect(answer.sources).toEqual({
      totals: expect.stringMatching(/^events_daily:/),
      pages: expect.stringMatching(/^events_daily_dims/),
      breakdowns: expect.stringMatching(/^events_daily_dims/),
      sessions: expect.stringMatching(/^sessions_daily:/),
    });
    expect(answer.previousRange.start).toBe('2026-03-05T00:00:00.000+00:00');
    expect(answer.previousRange.end).toBe('2026-03-12T00:00:00.000+00:00');
    expectOverview(answer, Date.UTC(2026, 2, 12), Date.UTC(2026, 2, 19));
    expect(answer.metrics.sessions.current).toBeGreaterThan(100);
  });

  it('answers an unaligned range (raw edges, rollup middle) with the same definitions', async () => {
    const answer = await fx.json<Overview>(
      overviewPath({ startDate: '2026-03-10T07:45:00Z', endDate: '2026-03-15T19:10:00Z' }),
      { apiKey: owner.keys.server.key },
    );
    expect(answer.sources.totals).toMatch(/^events:/);
    expect(answer.sources.pages).toMatch(/^events_daily_dims\+events:/);
    expectOverview(answer, Date.parse('2026-03-10T07:45:00Z'), Date.parse('2026-03-15T19:10:00Z'));
  });

  it('answers the same from settled per-day session figures, and merges a day a late event changed', async () => {
    const range = overviewPath({ startDate: '2026-03-12', endDate: '2026-03-18' });
    const [from, to] = [Date.UTC(2026, 2, 12), Date.UTC(2026, 2, 19)];
    const statsOf = (day: string) =>
      fx.ch.query<{ events: string; counted: string }>(
        `SELECT argMax(events, computed_at) AS events,
                (SELECT sum(events) FROM sessions_day_counts WHERE app_id = {app:UUID} AND day = {day:Date}) AS counted
         FROM sessions_day_stats WHERE app_id = {app:UUID} AND day = {day:Date}`,
        { params: { app: owner.app.id, day } },
      );
    // As the edge's refresher would, after the data's last day.
    await refreshSessionDayStats(fx.ch, DATA_TO + 86_400_000);
    const [settled] = await statsOf('2026-03-14');
    expect(Number(settled?.events)).toBeGreaterThan(0);
    expect(settled?.events).toBe(settled?.counted);
    await bumpAppGenerations(fx.harness.deps.redis, [owner.app.id]);
    expectOverview(await fx.json<Overview>(range, bearer(owner)), from, to);

    // A late single-event session on a settled day: its figures no longer match the day's count,
    // so that day is merged from sessions_daily and the answer includes the new session.
    const template = stored.find((event) => event.event_type === 'pageview') as TestEvent;
    const late: TestEvent = {
      ...template,
      event_id: randomUUID(),
      session_id: `late-${randomUUID()}`,
      ts: Date.UTC(2026, 2, 14, 10, 0, 0, 123),
    };
    await insertEvents(fx.ch, [late]);
    stored.push(late);
    const [stale] = await statsOf('2026-03-14');
    expect(Number(stale?.counted)).toBe(Number(stale?.events) + 1);
    await bumpAppGenerations(fx.harness.deps.redis, [owner.app.id]);
    const merged = await fx.json<Overview>(range, bearer(owner));
    expectOverview(merged, from, to);

    // The next pass computes that day again; nothing else changes.
    await refreshSessionDayStats(fx.ch, DATA_TO + 86_400_000);
    const [recomputed] = await statsOf('2026-03-14');
    expect(recomputed?.events).toBe(recomputed?.counted);
    await bumpAppGenerations(fx.harness.deps.redis, [owner.app.id]);
    expect((await fx.json<Overview>(range, bearer(owner))).metrics).toEqual(merged.metrics);
  });
});
