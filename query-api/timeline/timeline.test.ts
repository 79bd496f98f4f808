// Timelines against stored events: every bucket (keyed by its local start, which the test
// derives from Intl on its own) must hold the events, visitors and sessions JavaScript counts
// for it, with empty buckets present as zeros. Covers a UTC app on the hourly rollup, a DST day in
// New York, a :30 zone (India) that must fall back to raw, minute buckets, weeks and months.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registered } from '../../control-plane/testing/harness.ts';
import {
  bearer,
  bucketKey,
  counts,
  expectUnique,
  generateEvents,
  inRange,
  insertEvents,
  keyOfStart,
  openFixture,
  type QueryApiFixture,
  qs,
  type TestEvent,
  type Unit,
} from '../testing/index.ts';
import { MAX_TIMELINE_BUCKETS, type Timeline } from './index.ts';

const DATA_FROM = Date.UTC(2026, 2, 2);
const DATA_TO = Date.UTC(2026, 2, 23);

let fx: QueryApiFixture;
const owners: Record<string, Registered> = {};
const events: Record<string, TestEvent[]> = {};

beforeAll(async () => {
  fx = await openFixture('timeline');
  const zones = ['UTC', 'America/New_York', 'Asia/Kolkata'];
  for (const [index, zone] of zones.entries()) {
    const owner = await fx.owner(zone);
    owners[zone] = owner;
    events[zone] = generateEvents({
      appId: owner.app.id,
      seed: 20 + index,
      from: DATA_FROM,
      to: DATA_TO,
      visitors: 250,
    });
  }
  await insertEvents(fx.ch, Object.values(events).flat());
});
afterAll(() => fx?.close());

async function timeline(zone: string, params: Record<string, string>): Promise<Timeline> {
  const owner = owners[zone] as Registered;
  return fx.json<Timeline>(
    `/api/analytics/events/timeline?${qs({ appId: owner.app.id, ...params })}`,
    bearer(owner),
  );
}

function expectBuckets(
  answer: Timeline,
  stored: TestEvent[],
  unit: Unit,
  zone: string,
  from: number,
  to: number,
) {
  const inside = inRange(stored, from, to);
  const expected = new Map<string, TestEvent[]>();
  for (const event of inside) {
    const key = bucketKey(event.ts, unit, zone);
    expected.set(key, [...(expected.get(key) ?? []), event]);
  }
  const keys = answer.buckets.map((bucket) => keyOfStart(bucket.start, unit));
  expect(new Set(keys).size, 'bucket keys are unique').toBe(keys.length);
  expect([...keys].sort(), 'buckets are in order').toEqual(keys);
  for (const key of expected.keys()) expect(keys, `bucket ${key} is present`).toContain(key);
  let total = 0;
  for (const bucket of answer.buckets) {
    const want = counts(expected.get(keyOfStart(bucket.start, unit)) ?? []);
    expect(bucket.events, bucket.start).toBe(want.events);
    expectUnique(bucket.uniqueUsers, want.uniqueUsers, `${bucket.start} users`);
    expectUnique(bucket.sessions, want.sessions, `${bucket.start} sessions`);
    total += bucket.events;
  }
  expect(total).toBe(inside.length);
}

describe('GET /api/analytics/events/timeline', () => {
  it('gives zero-filled UTC days from the hourly rollup', async () => {
    const answer = await timeline('UTC', { interval: 'day', startDate: '2026-02-25', endDate: '2026-03-25' });
    expect(answer.sources.buckets).toMatch(/^events_hourly/);
    expect(answer.buckets).toHaveLength(29);
    expect(answer.buckets[0]).toEqual({
      start: '2026-02-25T00:00:00.000+00:00',
      events: 0,
      uniqueUsers: 0,
      sessions: 0,
    });
    expectBuckets(answer, events.UTC ?? [], 'day', 'UTC', Date.UTC(2026, 1, 25), Date.UTC(2026, 2, 26));
  });

  it('has 23 local hours on the New York spring-forward day, still from the hourly rollup', async () => {
    const answer = await timeline('America/New_York', {
      interval: 'hour',
      startDate: '2026-03-08',
      endDate: '2026-03-08',
    });
    expect(answer.sources.buckets).toMatch(/^events_hourly/);
    expect(answer.buckets).toHaveLength(23);
    expect(answer.buckets.map((b) => b.start.slice(11, 13))).not.toContain('02');
    expect(answer.buckets[3]?.start).toBe('2026-03-08T04:00:00.000-04:00');
    const from = Date.parse('2026-03-08T00:00:00-05:00');
    const to = Date.parse('2026-03-09T00:00:00-04:00');
    expectBuckets(answer, events['America/New_York'] ?? [], 'hour', 'America/New_York', from, to);
  });

  it('counts New York days, weeks and months in local time', async () => {
    const zone = 'America/New_York';
    const from = Date.parse('2026-03-01T00:00:00-05:00');
    const to = Date.parse('2026-03-24T00:00:00-04:00');
    for (const interval of ['day', 'week', 'month'] as const) {
      const answer = await timeline(zone, { interval, startDate: '2026-03-01', endDate: '2026-03-23' });
      expect(answer.sources.buckets).toMatch(/^events_hourly/);
      expectBuckets(answer, events[zone] ?? [], interval, zone, from, to);
    }
  });

  it('answers a :30 zone from the raw table, with buckets on local hours', async () => {
    const zone = 'Asia/Kolkata';
    const answer = await timeline(zone, { interval: 'hour', startDate: '2026-03-10', endDate: '2026-03-11' });
    expect(answer.sources.buckets).toMatch(/^events:/);
    expect(answer.buckets).toHaveLength(48);
    expect(answer.buckets[0]?.start).toBe('2026-03-10T00:00:00.000+05:30');
    const from = Date.parse('2026-03-10T00:00:00+05:30');
    expectBuckets(answer, events[zone] ?? [], 'hour', zone, from, from + 48 * 3_600_000);
    // Even a range on UTC hours cannot use the hourly rollup: every local hour straddles two.
    const aligned = await timeline(zone, {
      interval: 'hour',
      startDate: '2026-03-10T00:00Z',
      endDate: '2026-03-12T00:00Z',
    });
    expect(aligned.sources.buckets).toMatch(/^events:.*whole number of hours/);
    expect(aligned.buckets[0]?.start).toBe('2026-03-10T05:00:00.000+05:30');
    expectBuckets(aligned, events[zone] ?? [], 'hour', zone, Date.UTC(2026, 2, 10), Date.UTC(2026, 2, 12));
    const days = await timeline(zone, { interval: 'day', startDate: '2026-03-02', endDate: '2026-03-22' });
    expectBuckets(
      days,
      events[zone] ?? [],
      'day',
      zone,
      Date.parse('2026-03-02T00:00:00+05:30'),
      Date.parse('2026-03-23T00:00:00+05:30'),
    );
  });

  it('gives minute buckets from the raw table, with an event-type filter', async () => {
    const from = Date.parse('2026-03-10T12:00:00Z');
    const to = Date.parse('2026-03-10T18:00:00Z');
    const answer = await timeline('UTC', {
      interval: 'minute',
      eventType: 'pageview',
      startDate: '2026-03-10T12:00:00Z',
      endDate: '2026-03-10T18:00:00Z',
    });
    expect(answer.sources.buckets).toMatch(/^events:/);
    expect(answer.buckets).toHaveLength(360);
    const pageviews = (events.UTC ?? []).filter((event) => event.event_type === 'pageview');
    expectBuckets(answer, pageviews, 'minute', 'UTC', from, to);
  });

  it('refuses more buckets than a chart can draw', async () => {
    const owner = owners.UTC as Registered;
    const response = await fx.get(
      `/api/analytics/events/timeline?${qs({ appId: owner.app.id, interval: 'minute', startDate: '2026-03-01', endDate: '2026-03-03' })}`,
      bearer(owner),
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('too_many_buckets');
    expect(body.error.message).toContain(String(MAX_TIMELINE_BUCKETS));
  });
});
