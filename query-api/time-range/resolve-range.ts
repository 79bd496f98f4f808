// Turns what a client writes (ISO dates, ISO date-times, or relative ranges like 7d) into one
// half-open UTC range [from, to), read in the app's time zone. Pure: the clock is an argument.
// Relative ranges are aligned to their unit, so "7d" means today and the six whole days before
// it; the answer (and its cache key) stays the same for the whole unit.
import { ok, type Result, reject } from '../execution/result.ts';
import { addUnits, type CalendarUnit, instantOf, startOfUnit } from './zoned-time.ts';

export interface TimeRange {
  /** Inclusive start, epoch ms. */
  from: number;
  /** Exclusive end, epoch ms. */
  to: number;
  timeZone: string;
}

export interface RangeInput {
  startDate?: string | undefined;
  endDate?: string | undefined;
}

// A year and a day: the longest period dashboards compare (a year against the one before) in
// one query; beyond that a raw scan of a busy app stops being interactive.
export const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;
export const MAX_RANGE_MS = MAX_RANGE_DAYS * DAY_MS;
// Nothing we store is older than the Unix epoch or later than ClickHouse's DateTime can hold.
const EARLIEST_MS = 0;
const LATEST_MS = Date.UTC(2105, 11, 31);

/** What an endpoint uses when the client gives no startDate. */
export const DEFAULT_RANGE = '7d';

const RELATIVE = /^(\d{1,4})([mhdw])$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/** The pattern the route schemas publish for startDate and endDate. */
export const RANGE_VALUE_PATTERN =
  '^(\\d{1,4}[mhdw]|\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2})?)?)$';

const UNIT_OF: Readonly<Record<string, CalendarUnit>> = { m: 'minute', h: 'hour', d: 'day', w: 'day' };

type Point = { kind: 'instant'; at: number } | { kind: 'day'; start: number; next: number };

function invalid(field: string, message: string) {
  return reject('invalid_range', `${field} ${message}`);
}

function parsePoint(field: string, text: string, timeZone: string): Result<Point> {
  const date = DATE.exec(text);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    if (!validDate(year, month, day)) return invalid(field, 'is not a real calendar date');
    const start = instantOf({ year, month, day, hour: 0, minute: 0, second: 0, millisecond: 0 }, timeZone);
    return ok({ kind: 'day', start, next: addUnits(start, 'day', 1, timeZone) });
  }
  const dateTime = DATE_TIME.exec(text);
  if (!dateTime) return invalid(field, 'must be an ISO date, an ISO date-time, or a relative range like 7d');
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(dateTime[i]));
  const second = Number(dateTime[6] ?? 0);
  const millisecond = Number((dateTime[7] ?? '0').padEnd(3, '0'));
  if (!validDate(year ?? 0, month ?? 0, day ?? 0) || (hour ?? 0) > 23 || (minute ?? 0) > 59 || second > 59) {
    return invalid(field, 'is not a real date and time');
  }
  const wall = {
    year: year ?? 0,
    month: month ?? 0,
    day: day ?? 0,
    hour: hour ?? 0,
    minute: minute ?? 0,
    second,
    millisecond,
  };
  const zone = dateTime[8];
  if (zone === undefined) return ok({ kind: 'instant', at: instantOf(wall, timeZone) });
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, second, millisecond);
  if (zone === 'Z') return ok({ kind: 'instant', at: asUtc });
  const sign = zone.startsWith('-') ? -1 : 1;
  const [offsetHours, offsetMinutes] = zone.slice(1).split(':').map(Number);
  if ((offsetHours ?? 0) > 18 || (offsetMinutes ?? 0) > 59)
    return invalid(field, 'has an impossible UTC offset');
  return ok({
    kind: 'instant',
    at: asUtc - sign * ((offsetHours ?? 0) * 60 + (offsetMinutes ?? 0)) * 60_000,
  });
}

function validDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The last `count` units including the current one, aligned to the unit in the zone. */
function relativeRange(count: number, letter: string, now: number, timeZone: string): [number, number] {
  const unit = UNIT_OF[letter] ?? 'day';
  const units = letter === 'w' ? count * 7 : count;
  const current = startOfUnit(now, unit, timeZone);
  return [addUnits(current, unit, 1 - units, timeZone), addUnits(current, unit, 1, timeZone)];
}

/**
 * The range a request asks for. Without startDate the range is DEFAULT_RANGE. A relative
 * startDate carries its own end, so endDate must then be absent. Without endDate an absolute
 * range runs to the end of the current minute. An endDate that is a date includes that whole day.
 */
export function resolveRange(
  input: RangeInput,
  timeZone: string,
  now: number,
  options: { maxRangeMs?: number } = {},
): Result<TimeRange> {
  const startText = input.startDate ?? DEFAULT_RANGE;
  const relative = RELATIVE.exec(startText);
  let from: number;
  let to: number;
  if (relative) {
    if (input.endDate !== undefined) {
      return invalid('endDate', 'cannot be combined with a relative startDate (it already ends now)');
    }
    const count = Number(relative[1]);
    if (count < 1) return invalid('startDate', 'must count at least one unit');
    [from, to] = relativeRange(count, relative[2] ?? 'd', now, timeZone);
  } else {
    const start = parsePoint('startDate', startText, timeZone);
    if (!start.ok) return start;
    from = start.value.kind === 'day' ? start.value.start : start.value.at;
    if (input.endDate === undefined) {
      to = startOfUnit(now, 'minute', timeZone) + 60_000;
    } else {
      if (RELATIVE.test(input.endDate)) return invalid('endDate', 'must be an ISO date or date-time');
      const end = parsePoint('endDate', input.endDate, timeZone);
      if (!end.ok) return end;
      to = end.value.kind === 'day' ? end.value.next : end.value.at;
    }
  }
  if (from < EARLIEST_MS || to > LATEST_MS) {
    return reject('range_out_of_bounds', 'The range must lie between 1970-01-01 and 2105-12-31');
  }
  if (to <= from) return invalid('endDate', 'must be after startDate');
  const maxRangeMs = options.maxRangeMs ?? MAX_RANGE_MS;
  if (to - from > maxRangeMs) {
    return reject(
      'range_too_large',
      `The range spans ${Math.ceil((to - from) / DAY_MS)} days; at most ${Math.floor(maxRangeMs / DAY_MS)} are allowed`,
    );
  }
  return ok({ from, to, timeZone });
}

/** The period of the same length that ends where this one starts, for comparisons. */
export function previousPeriod(range: TimeRange): TimeRange {
  return { from: range.from - (range.to - range.from), to: range.from, timeZone: range.timeZone };
}
