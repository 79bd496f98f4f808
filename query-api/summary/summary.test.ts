// The summary endpoint against stored events, checked against totals computed in JavaScript:
// on the rollups (UTC-aligned range), on the raw table (unaligned range), with an event-type
// filter, and for an app in a DST-switching zone whose local days do not fall on UTC days.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registered } from '../../control-plane/testing/harness.ts';
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
import { SUMMARY_BREAKDOWN_LIMIT, type Summary } from './index.ts';

const DATA_FROM = Date.UTC(2026, 2, 2);
const DATA_TO = Date.UTC(2026, 2, 23);

let fx: QueryApiFixture;
let utcOwner: Registered;
let nyOwner: Registered;
let utcEvents: TestEvent[];
let nyEvents: TestEvent[];

beforeAll(async () => {
  fx = await openFixture('summary');
  utcOwner = await fx.owner();
  nyOwner = await fx.owner('America/New_York');
  utcEvents = generateEvents({
    appId: utcOwner.app.id,
    seed: 11,
    from: DATA_FROM,
    to: DATA_TO,
    visitors: 400,
  });
  nyEvents = generateEvents({
    appId: nyOwner.app.id,
    seed: 12,
    from: DATA_FROM,
    to: DATA_TO,
    visitors: 300,
    marker: 'ny-',
  });
  await insertEvents(fx.ch, [...utcEvents, ...nyEvents]);
});
afterAll(() => fx?.close());

function expectSummary(answer: Summary, events: TestEvent[]): void {
  const total = counts(events);
  expect(answer.totals.events).toBe(total.events);
  expectUnique(answer.totals.uniqueUsers, total.uniqueUsers, 'users');
  expectUnique(answer.totals.sessions, total.sessions, 'sessions');
  const types = [...new Set(events.map((event) => event.event_type))]
    .map((eventType) => ({ eventType, ...counts(events.filter((event) => event.event_type === eventType)) }))
    .sort((a, b) => b.events - a.events || (a.eventType < b.eventType ? -1 : 1));
  expect(answer.eventTypes.map((row) => [row.eventType, row.events])).toEqual(
    types.map((row) => [row.eventType, row.events]),
  );
  for (const [index, row] of types.entries()) {
    expectUnique(answer.eventTypes[index]?.uniqueUsers ?? -1, row.uniqueUsers, `${row.eventType} users`);
    expectUnique(answer.eventTypes[index]?.sessions ?? -1, row.sessions, `${row.eventType} sessions`);
  }
  expectRows(
    answer.devices,
    topRows(events, (e) => e.device_type, SUMMARY_BREAKDOWN_LIMIT),
    'devices',
  );
  expectRows(
    answer.browsers,
    topRows(events, (e) => e.browser, SUMMARY_BREAKDOWN_LIMIT),
    'browsers',
  );
  expectRows(
    answer.os,
    topRows(events, (e) => e.os, SUMMARY_BREAKDOWN_LIMIT),
    'os',
  );
}

const summaryPath = (params: Record<string, string>) => `/api/analytics/events/summary?${qs(params)}`;

describe('GET /api/analytics/events/summary', () => {
  it('answers a UTC-day range from the rollups with the raw totals', async () => {
    const answer = await fx.json<Summary>(
      summaryPath({ appId: utcOwner.app.id, startDate: '2026-03-04', endDate: '2026-03-15' }),
      bearer(utcOwner),
    );
    expect(answer.sources.totals).toMatch(/^events_hourly/);
    expect(answer.sources.breakdowns).toMatch(/^events_daily_dims/);
    expect(answer.range).toEqual({
      start: '2026-03-04T00:00:00.000+00:00',
      end: '2026-03-16T00:00:00.000+00:00',
      timeZone: 'UTC',
    });
    const events = inRange(utcEvents, Date.UTC(2026, 2, 4), Date.UTC(2026, 2, 16));
    expect(events.length).toBeGreaterThan(1000);
    expectSummary(answer, events);
  });

  it('answers a range off UTC hours from the raw table, and its whole UTC days from the rollup', async () => {
    const answer = await fx.json<Summary>(
      summaryPath({
        appId: utcOwner.app.id,
        startDate: '2026-03-05T10:17:00Z',
        endDate: '2026-03-12T08:00:30Z',
      }),
      bearer(utcOwner),
    );
    expect(answer.sources.totals).toMatch(/^events:/);
    expect(answer.sources.breakdowns).toMatch(/^events_daily_dims\+events:/);
    expectSummary(
      answer,
      inRange(utcEvents, Date.parse('2026-03-05T10:17:00Z'), Date.parse('2026-03-12T08:00:30Z')),
    );
    const noWholeDay = await fx.json<Summary>(
      summaryPath({
        appId: utcOwner.app.id,
        startDate: '2026-03-05T10:17:00Z',
        endDate: '2026-03-06T08:00:30Z',
      }),
      bearer(utcOwner),
    );
    expect(noWholeDay.sources.breakdowns).toMatch(/^events:.*no whole UTC day/);
    expectSummary(
      noWholeDay,
      inRange(utcEvents, Date.parse('2026-03-05T10:17:00Z'), Date.parse('2026-03-06T08:00:30Z')),
    );
  });

  it('filters every part by event type', async () => {
    const answer = await fx.json<Summary>(
      summaryPath({
        appId: utcOwner.app.id,
        eventType: 'track',
        startDate: '2026-03-02',
        endDate: '2026-03-22',
      }),
      bearer(utcOwner),
    );
    const events = inRange(utcEvents, DATA_FROM, DATA_TO, 'track');
    expect(answer.eventTypes.map((row) => row.eventType)).toEqual(['track']);
    expectSummary(answer, events);
  });

  it('reads dates in the app time zone across a DST change, with the server key too', async () => {
    // 2026-03-08 is the US switch to daylight time: the range starts at -05:00 and ends at -04:00.
    const path = summaryPath({ appId: nyOwner.app.id, startDate: '2026-03-05', endDate: '2026-03-09' });
    const answer = await fx.json<Summary>(path, bearer(nyOwner));
    expect(answer.range.start).toBe('2026-03-05T00:00:00.000-05:00');
    expect(answer.range.end).toBe('2026-03-10T00:00:00.000-04:00');
    // New York is whole hours from UTC (hourly rollup fits) but its days are not UTC days: the
    // breakdowns take whole UTC days from the daily rollup and the edge hours from the raw table.
    expect(answer.sources.totals).toMatch(/^events_hourly/);
    expect(answer.sources.breakdowns).toMatch(/^events_daily_dims\+events:/);
    expectSummary(
      answer,
      inRange(nyEvents, Date.parse('2026-03-05T05:00:00Z'), Date.parse('2026-03-10T04:00:00Z')),
    );
    const withKey = await fx.json<Summary>(path, { apiKey: nyOwner.keys.server.key });
    expect(withKey).toEqual(answer);
  });

  it('gives an honest empty answer for a range without events', async () => {
    const answer = await fx.json<Summary>(
      summaryPath({ appId: utcOwner.app.id, startDate: '2025-01-01', endDate: '2025-01-31' }),
      bearer(utcOwner),
    );
    expect(answer.totals).toEqual({ events: 0, uniqueUsers: 0, sessions: 0 });
    expect(answer.eventTypes).toEqual([]);
    expect(answer.devices).toEqual([]);
  });
});
