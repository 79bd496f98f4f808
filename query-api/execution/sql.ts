// Small pieces of SQL text shared by the queries: parameter types, value formats for bound
// parameters, and the expressions that count events and unique visitors the same way on the raw
// table and on the rollups (uniqCombined64, with events_daily_dims' (12) precision for breakdowns,
// empty ids never counted: see clickhouse/migrations/sql/0003_events_hourly.sql and 0008). Only constants live here: values are bound.
import type { CalendarUnit } from '../time-range/index.ts';

/** The type of every bound instant: the tables store DateTime64(3, 'UTC'). */
export const INSTANT = "DateTime64(3, 'UTC')";

/** Epoch ms as a DateTime64 parameter value (UTC, millisecond precision). */
export function instantParam(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** Epoch ms as a Date parameter value (the UTC calendar day). */
export function dayParam(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Counting expressions over the raw events table. */
export const RAW = {
  events: 'count()',
  visitors: "uniqCombined64If(visitor_id, visitor_id != '')",
  sessions: "uniqCombined64If(session_id, session_id != '')",
} as const;

/** The same counts over a rollup (events_hourly or events_daily_dims). */
export const ROLLUP = {
  events: 'sum(event_count)',
  visitors: 'uniqCombined64Merge(unique_visitors)',
  sessions: 'uniqCombined64Merge(unique_sessions)',
} as const;

/**
 * Epoch seconds of the start of the app-local unit containing `column` (a DateTime or
 * DateTime64 in UTC); the zone is the bound {tz:String}. Weeks start on Monday.
 */
export function bucketStartSeconds(unit: CalendarUnit, column: string): string {
  switch (unit) {
    case 'minute':
      return `toUnixTimestamp(toStartOfMinute(toDateTime(${column}, 'UTC'), {tz:String}))`;
    case 'hour':
      return `toUnixTimestamp(toStartOfHour(toDateTime(${column}, 'UTC'), {tz:String}))`;
    case 'day':
      return `toUnixTimestamp(toStartOfDay(toDateTime(${column}, 'UTC'), {tz:String}))`;
    case 'week':
      return `toUnixTimestamp(toDateTime(toMonday(toDateTime(${column}, 'UTC'), {tz:String}), {tz:String}))`;
    case 'month':
      return `toUnixTimestamp(toDateTime(toStartOfMonth(toDateTime(${column}, 'UTC'), {tz:String}), {tz:String}))`;
  }
}

/** ClickHouse returns 64-bit integers as strings: numbers for the JSON answer. */
export function num(value: string | number | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}
