// Where each question is answered: a rollup when its grain and dimensions fit, else the raw
// table. Rollups are cut in UTC (events_hourly by UTC hour; events_daily, events_daily_dims and
// sessions_daily by UTC day; metric_minutely by UTC minute), so a rollup fits only when the range
// and every bucket edge fall on its boundaries: an app zone with a :30 or :45 offset never fits
// the hourly rollup for timelines.
// Dimension questions (no time buckets) may also be split: whole UTC days from the daily rollup,
// the partial days at the edges from the raw table, unique-visitor states merged.
// Rules are pure and explain themselves, so responses and tests can show why a source was used.
import type { TimeRange } from '../time-range/index.ts';
import { type CalendarUnit, wholeHourOffsetsThroughout } from '../time-range/index.ts';
import { type Dimension, dimensionSpec } from './dimensions.ts';

/** 'raw' forces the raw tables: the property test and benchmarks compare both paths with it. */
export type SourcePreference = 'auto' | 'raw';

export interface Plan<S extends string> {
  source: S;
  rollup: boolean;
  /** Why this source, in words (returned to clients in `sources`). */
  reason: string;
}

/** 'none' = one answer for the whole range; otherwise the bucket size of a timeline. */
export type Grain = 'none' | CalendarUnit;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const aligned = (range: TimeRange, size: number) => range.from % size === 0 && range.to % size === 0;

/** How a plan reads in a response's `sources`: "<table>: <why>". */
export const describePlan = (plan: Plan<string>): string => `${plan.source}: ${plan.reason}`;

function raw<S extends string>(source: S, reason: string): Plan<S> {
  return { source, rollup: false, reason };
}

function rollup<S extends string>(source: S, reason: string): Plan<S> {
  return { source, rollup: true, reason };
}

/** Event counts and unique visitors/sessions, optionally per event type and per time bucket. */
export function planEventCounts(
  range: TimeRange,
  grain: Grain,
  prefer: SourcePreference = 'auto',
): Plan<'events_hourly' | 'events'> {
  if (prefer === 'raw') return raw('events', 'raw table requested');
  if (grain === 'minute') return raw('events', 'minute buckets are finer than the hourly rollup');
  if (!aligned(range, HOUR_MS)) return raw('events', 'range does not start and end on UTC hours');
  if (grain !== 'none' && !wholeHourOffsetsThroughout(range.from, range.to, range.timeZone)) {
    return raw(
      'events',
      `${range.timeZone} is not a whole number of hours from UTC, so its buckets cut UTC hours`,
    );
  }
  return rollup('events_hourly', 'range and buckets fall on UTC hours');
}

/**
 * Headline totals (events, page views, unique visitors) over a range and the range before it,
 * split at `split`: the daily totals when every edge is a UTC midnight (one unique-visitor state
 * per day to merge instead of one per hour and event type), else as planEventCounts says.
 */
export function planTotals(
  range: TimeRange,
  split: number,
  prefer: SourcePreference = 'auto',
): Plan<'events_daily' | 'events_hourly' | 'events'> {
  if (prefer !== 'raw' && aligned(range, DAY_MS) && split % DAY_MS === 0) {
    return rollup('events_daily', 'range and periods fall on UTC days');
  }
  return planEventCounts(range, 'none', prefer);
}

/** How a dimension question is split between the daily rollup and the raw table. */
export interface DaySplit {
  /** Whole UTC days [from, to) come from the rollup, except the cut ones. */
  from: number;
  to: number;
  /** UTC midnights of days inside [from, to) that a boundary cuts: those days are read raw. */
  cut: number[];
}

export interface DimensionPlan extends Plan<'events_daily_dims' | 'events_daily_dims+events' | 'events'> {
  /** Present whenever the rollup answers some of the range. */
  days?: DaySplit;
}

const floorTo = (ms: number, size: number) => Math.floor(ms / size) * size;
const ceilTo = (ms: number, size: number) => Math.ceil(ms / size) * size;

/**
 * Counts per value of one or more dimensions over the whole range (no time buckets). The daily
 * rollup has no time of day, so it answers the whole UTC days inside the range; the partial days
 * at the edges (a range in local days of a non-UTC zone always has two), and any day cut by an
 * inner boundary (`splits`, e.g. where the previous period ends), are read from the raw table,
 * and the two parts' unique-visitor states are merged. Both parts count with the same function,
 * so the answer is the raw answer.
 */
export function planDimensions(
  range: TimeRange,
  dimensions: readonly Dimension[],
  prefer: SourcePreference = 'auto',
  splits: readonly number[] = [],
): DimensionPlan {
  if (prefer === 'raw') return raw('events', 'raw table requested');
  const missing = dimensions.filter((dimension) => dimensionSpec(dimension).rollup === undefined);
  if (missing.length > 0) {
    return raw('events', `the daily rollup does not carry ${missing.map((d) => d.name).join(', ')}`);
  }
  const from = ceilTo(range.from, DAY_MS);
  const to = floorTo(range.to, DAY_MS);
  if (from >= to) return raw('events', 'the range holds no whole UTC day');
  const cut = [
    ...new Set(
      splits.filter((at) => at > from && at < to && at % DAY_MS !== 0).map((at) => floorTo(at, DAY_MS)),
    ),
  ].sort((a, b) => a - b);
  const days = { from, to, cut };
  if (from === range.from && to === range.to && cut.length === 0) {
    return {
      ...rollup('events_daily_dims', 'dimensions are in the daily rollup and the range falls on UTC days'),
      days,
    };
  }
  return {
    ...rollup(
      'events_daily_dims+events',
      'whole UTC days from the daily rollup, the partial days from the raw table',
    ),
    days,
  };
}

/** With the rollup: every UTC day a sessions question touches, and which of them may be answered
 * by stored per-day figures (days wholly inside one period). */
interface SessionDays {
  /** UTC midnights from the range's first day to its last. */
  scan: number[];
  /** Those of them wholly inside [range.from, split) or [split, range.to). */
  whole: number[];
}

export interface SessionPlan extends Plan<'sessions_daily' | 'events'> {
  /** Present with the rollup. */
  days?: SessionDays;
}

/**
 * Session statistics (bounce rate, duration) for sessions that started in the range, `split`
 * dividing it into the previous and the current period. A session is a session id's events within
 * one UTC day; the sessions_daily rollup keeps each one's exact start and end, so it fits any
 * range, and a day wholly inside one period can be answered by its stored per-day figures.
 */
export function planSessions(
  range: TimeRange,
  split: number,
  prefer: SourcePreference = 'auto',
): SessionPlan {
  if (prefer === 'raw') return raw('events', 'raw table requested');
  const days: SessionDays = { scan: [], whole: [] };
  for (let day = floorTo(range.from, DAY_MS); day < range.to; day += DAY_MS) {
    days.scan.push(day);
    const end = day + DAY_MS;
    if (day >= range.from && end <= range.to && (day >= split || end <= split)) days.whole.push(day);
  }
  return {
    ...rollup(
      'sessions_daily',
      'settled days from their per-day figures (sessions_day_stats), the others merged from the daily sessions rollup',
    ),
    days,
  };
}

/** A metric series: the minutely rollup when every step edge falls on a UTC minute. */
export function planMetricSeries(
  range: TimeRange,
  stepMs: number,
  prefer: SourcePreference = 'auto',
): Plan<'metric_minutely' | 'metric_samples'> {
  if (prefer === 'raw') return raw('metric_samples', 'raw table requested');
  if (stepMs % MINUTE_MS !== 0) return raw('metric_samples', 'step is not a whole number of minutes');
  if (!aligned(range, MINUTE_MS)) return raw('metric_samples', 'range does not start and end on UTC minutes');
  return rollup('metric_minutely', 'range and step fall on UTC minutes');
}
