// The planner's rules, table-style: which source answers a question, for ranges and zones where
// the rollups' UTC cuts do and do not line up with what the question asks.
import { describe, expect, it } from 'vitest';
import type { TimeRange } from '../time-range/index.ts';
import {
  type Dimension,
  type Grain,
  planDimensions,
  planEventCounts,
  planMetricSeries,
  planSessions,
  planTotals,
} from './index.ts';

const range = (from: string, to: string, timeZone = 'UTC'): TimeRange => ({
  from: Date.parse(from),
  to: Date.parse(to),
  timeZone,
});

const DAYS = range('2026-03-01T00:00:00Z', '2026-03-08T00:00:00Z');
const HOURS = range('2026-03-01T05:00:00Z', '2026-03-02T07:00:00Z');
const MINUTES = range('2026-03-01T05:01:00Z', '2026-03-01T07:59:00Z');

describe('planEventCounts (events_hourly or events)', () => {
  it.each<[string, TimeRange, Grain, string]>([
    ['UTC days, day buckets', DAYS, 'day', 'events_hourly'],
    ['whole hours, no buckets', HOURS, 'none', 'events_hourly'],
    [
      'New York days (whole-hour offsets, DST included)',
      range('2026-03-01T05:00:00Z', '2026-03-15T04:00:00Z', 'America/New_York'),
      'day',
      'events_hourly',
    ],
    [
      'New York weeks and months',
      range('2026-01-01T05:00:00Z', '2026-04-01T04:00:00Z', 'America/New_York'),
      'month',
      'events_hourly',
    ],
    ['minute buckets', DAYS, 'minute', 'events'],
    ['a range off UTC hours', MINUTES, 'none', 'events'],
    [
      'India hours (a :30 zone) even on a UTC-hour range',
      range('2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z', 'Asia/Kolkata'),
      'hour',
      'events',
    ],
    [
      'India totals without buckets on a UTC-hour range',
      range('2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z', 'Asia/Kolkata'),
      'none',
      'events_hourly',
    ],
    [
      'Lord Howe (+10:30 in winter)',
      range('2026-07-01T00:00:00Z', '2026-07-08T00:00:00Z', 'Australia/Lord_Howe'),
      'day',
      'events',
    ],
  ])('%s -> %s', (_label, r, grain, source) => {
    expect(planEventCounts(r, grain).source).toBe(source);
  });

  it('uses the raw table whenever asked to', () => {
    expect(planEventCounts(DAYS, 'day', 'raw')).toMatchObject({ source: 'events', rollup: false });
  });
});

describe('planDimensions (events_daily_dims or events)', () => {
  const browser: Dimension = { name: 'browser' };
  it.each<[string, TimeRange, Dimension[], string]>([
    [
      'rollup dimensions on UTC days',
      DAYS,
      [browser, { name: 'path' }, { name: 'device' }],
      'events_daily_dims',
    ],
    [
      'New York local days: whole UTC days rolled up, edges raw',
      range('2026-03-01T05:00:00Z', '2026-03-08T05:00:00Z', 'America/New_York'),
      [browser],
      'events_daily_dims+events',
    ],
    [
      'less than one whole UTC day',
      range('2026-03-01T05:00:00Z', '2026-03-02T05:00:00Z', 'America/New_York'),
      [browser],
      'events',
    ],
    [
      'a New York app asking for UTC days',
      range('2026-03-01T00:00:00Z', '2026-03-08T00:00:00Z', 'America/New_York'),
      [browser],
      'events_daily_dims',
    ],
    [
      'whole hours around one whole UTC day',
      range('2026-03-01T05:00:00Z', '2026-03-03T07:00:00Z'),
      [browser],
      'events_daily_dims+events',
    ],
    ['whole hours without a whole UTC day', HOURS, [browser], 'events'],
    ['UTM fields are not in the rollup', DAYS, [{ name: 'utm_source' }], 'events'],
    ['event names are not in the rollup', DAYS, [{ name: 'event_name' }], 'events'],
    ['metadata keys are not in the rollup', DAYS, [{ name: 'metadata', metadataPath: ['plan'] }], 'events'],
    [
      'one raw-only dimension sends the whole question raw',
      DAYS,
      [browser, { name: 'utm_campaign' }],
      'events',
    ],
  ])('%s -> %s', (_label, r, dimensions, source) => {
    expect(planDimensions(r, dimensions).source).toBe(source);
  });
});

describe('planDimensions splits', () => {
  it('rolls up whole UTC days, cuts the days its boundaries fall inside, and reads the rest raw', () => {
    const r = range('2026-03-01T05:00:00Z', '2026-03-08T05:00:00Z', 'America/New_York');
    const plan = planDimensions(r, [{ name: 'os' }], 'auto', [Date.parse('2026-03-04T05:00:00Z')]);
    expect(plan.days).toEqual({
      from: Date.parse('2026-03-02T00:00:00Z'),
      to: Date.parse('2026-03-08T00:00:00Z'),
      cut: [Date.parse('2026-03-04T00:00:00Z')],
    });
    const aligned = planDimensions(DAYS, [{ name: 'os' }], 'auto', [Date.parse('2026-03-04T00:00:00Z')]);
    expect(aligned.source).toBe('events_daily_dims');
  });
});

describe('planMetricSeries and planSessions', () => {
  it.each<[string, TimeRange, number, string]>([
    ['whole minutes', MINUTES, 300_000, 'metric_minutely'],
    ['sub-minute step', MINUTES, 30_000, 'metric_samples'],
    ['90 s step', MINUTES, 90_000, 'metric_samples'],
    ['range off minutes', range('2026-03-01T05:01:30Z', '2026-03-01T07:59:00Z'), 60_000, 'metric_samples'],
  ])('%s -> %s', (_label, r, stepMs, source) => {
    expect(planMetricSeries(r, stepMs).source).toBe(source);
  });

  it('reads sessions from their rollup unless raw is asked for', () => {
    const week = range('2026-03-09', '2026-03-16');
    expect(planSessions(week, week.from).source).toBe('sessions_daily');
    expect(planSessions(week, week.from, 'raw').source).toBe('events');
  });
});

describe('planTotals', () => {
  const DAY = 86_400_000;
  const weeks = range('2026-03-02T00:00:00Z', '2026-03-16T00:00:00Z');
  it.each<[string, TimeRange, number, string]>([
    ['UTC days, split at a midnight', weeks, weeks.from + 7 * DAY, 'events_daily'],
    ['UTC days, split inside a day', weeks, weeks.from + 7 * DAY + 3_600_000, 'events_hourly'],
    [
      'whole hours',
      range('2026-03-02T05:00:00Z', '2026-03-03T07:00:00Z'),
      Date.parse('2026-03-02T18:00:00Z'),
      'events_hourly',
    ],
    [
      'off hours',
      range('2026-03-02T05:30:00Z', '2026-03-03T07:00:00Z'),
      Date.parse('2026-03-02T18:00:00Z'),
      'events',
    ],
  ])('%s -> %s', (_label, r, split, source) => {
    expect(planTotals(r, split).source).toBe(source);
  });

  it('uses the raw table whenever asked to', () => {
    expect(planTotals(weeks, weeks.from + 7 * DAY, 'raw').source).toBe('events');
  });
});
