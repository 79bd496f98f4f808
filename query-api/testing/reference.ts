// Expected answers computed in plain JavaScript from the generated events, written without the
// query API's code (local times come from Intl directly, not from time-range/), so a test
// compares two independent computations.
import { expect } from 'vitest';
import type { TestEvent } from './generate-events.ts';

/**
 * uniqCombined64 is exact while a state holds up to about 4,000 values and within 1% (three
 * standard errors of its 2^17-cell HyperLogLog) beyond: see 0003_events_hourly.sql.
 */
export const UNIQUE_COUNT_TOLERANCE = 0.01;

/**
 * Breakdown rows count visitors per value with uniqCombined64(12) (events_daily_dims' states,
 * see 0008_daily_rollups.sql): exact up to about 128 values, then a 2^12-cell HyperLogLog whose
 * three standard errors are 5%.
 */
export const BREAKDOWN_UNIQUE_COUNT_TOLERANCE = 0.05;

export function expectUnique(
  actual: number,
  exact: number,
  what = 'unique count',
  tolerance = UNIQUE_COUNT_TOLERANCE,
): void {
  expect(Math.abs(actual - exact), `${what}: ${actual} vs exact ${exact}`).toBeLessThanOrEqual(
    Math.ceil(exact * tolerance),
  );
}

export const visitorOf = (event: TestEvent) => (event.user_id !== '' ? event.user_id : event.anonymous_id);

export function inRange(
  events: readonly TestEvent[],
  from: number,
  to: number,
  eventType?: string,
): TestEvent[] {
  return events.filter(
    (event) =>
      event.ts >= from && event.ts < to && (eventType === undefined || event.event_type === eventType),
  );
}

export function distinct(values: Iterable<string>): number {
  const set = new Set(values);
  set.delete('');
  return set.size;
}

export function counts(events: readonly TestEvent[]) {
  return {
    events: events.length,
    uniqueUsers: distinct(events.map(visitorOf)),
    sessions: distinct(events.map((event) => event.session_id)),
  };
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface ExpectedRow {
  value: string | null;
  events: number;
  uniqueUsers: number;
  other?: { values: number };
  previous?: { events: number; uniqueUsers: number };
}

/**
 * Top `limit` values by events (ties by value), then one "other" row folding the rest (values
 * without current events included), as the API defines its breakdowns.
 */
export function topRows(
  current: readonly TestEvent[],
  dimensionOf: (event: TestEvent) => string,
  limit: number,
  previous?: readonly TestEvent[],
): ExpectedRow[] {
  const group = (events: readonly TestEvent[]) => {
    const map = new Map<string, TestEvent[]>();
    for (const event of events) {
      const value = dimensionOf(event);
      map.set(value, [...(map.get(value) ?? []), event]);
    }
    return map;
  };
  const now = group(current);
  const before = group(previous ?? []);
  const ranked = [...now.entries()].sort(([va, a], [vb, b]) => b.length - a.length || byteOrder(va, vb));
  const top = ranked.slice(0, limit);
  const topValues = new Set(top.map(([value]) => value));
  const row = (value: string | null, events: TestEvent[], prior: TestEvent[]): ExpectedRow => ({
    value,
    events: events.length,
    uniqueUsers: distinct(events.map(visitorOf)),
    ...(previous ? { previous: { events: prior.length, uniqueUsers: distinct(prior.map(visitorOf)) } } : {}),
  });
  const rows = top.map(([value, events]) => row(value, events, before.get(value) ?? []));
  const restValues = new Set([...now.keys(), ...before.keys()].filter((value) => !topValues.has(value)));
  if (restValues.size > 0) {
    const rest = current.filter((event) => restValues.has(dimensionOf(event)));
    const restBefore = (previous ?? []).filter((event) => restValues.has(dimensionOf(event)));
    rows.push({ ...row(null, rest, restBefore), other: { values: restValues.size } });
  }
  return rows;
}

/** Compares breakdown rows: exact events and values, unique counts within the breakdown tolerance. */
export function expectRows(
  actual: readonly ExpectedRow[],
  expected: readonly ExpectedRow[],
  what: string,
): void {
  expect(
    actual.map((row) => [row.value, row.events, row.other, row.previous?.events]),
    what,
  ).toEqual(expected.map((row) => [row.value, row.events, row.other, row.previous?.events]));
  for (const [index, row] of expected.entries()) {
    expectUnique(
      actual[index]?.uniqueUsers ?? -1,
      row.uniqueUsers,
      `${what} ${row.value} users`,
      BREAKDOWN_UNIQUE_COUNT_TOLERANCE,
    );
    if (row.previous) {
      expectUnique(
        actual[index]?.previous?.uniqueUsers ?? -1,
        row.previous.uniqueUsers,
        `${what} ${row.value} previous users`,
        BREAKDOWN_UNIQUE_COUNT_TOLERANCE,
      );
    }
  }
}

const partsFormats = new Map<string, Intl.DateTimeFormat>();

/** Local wall-clock text "YYYY-MM-DDTHH:mm" of an instant in a zone, straight from Intl. */
export function localText(ms: number, timeZone: string): string {
  let format = partsFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    partsFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** The Monday (YYYY-MM-DD) of the week a local date (YYYY-MM-DD) falls in. */
export function mondayOf(localDate: string): string {
  const date = new Date(`${localDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  return date.toISOString().slice(0, 10);
}

export type Unit = 'minute' | 'hour' | 'day' | 'week' | 'month';

/** The local bucket key of an instant, comparable with the first characters of a bucket's start. */
export function bucketKey(ms: number, unit: Unit, timeZone: string): string {
  const text = localText(ms, timeZone);
  switch (unit) {
    case 'minute':
      return text;
    case 'hour':
      return text.slice(0, 13);
    case 'day':
      return text.slice(0, 10);
    case 'week':
      return mondayOf(text.slice(0, 10));
    case 'month':
      return text.slice(0, 7);
  }
}

/** The same key read from an API bucket start (RFC 3339 with the local offset). */
export function keyOfStart(start: string, unit: Unit): string {
  return start.slice(0, { minute: 16, hour: 13, day: 10, week: 10, month: 7 }[unit]);
}
