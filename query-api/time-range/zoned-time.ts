// Calendar arithmetic in an IANA time zone with nothing but Intl: wall-clock parts of an instant,
// the instant of a wall-clock time, and the start of a minute, hour, day, week or month as the
// app's users see it. Buckets and ranges are computed here so that they match what ClickHouse's
// toStartOf*(ts, tz) functions produce for the same zone.

export type CalendarUnit = 'minute' | 'hour' | 'day' | 'week' | 'month';

export interface WallClock {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

// Formatters are expensive to build and immutable: one per zone for the life of the process.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** True when Intl knows the zone (the control plane only stores zones that pass this check). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock reading in the zone at an instant. */
export function wallClock(instantMs: number, timeZone: string): WallClock {
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 1970,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    hour: fields.hour ?? 0,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
    millisecond: ((instantMs % 1000) + 1000) % 1000,
  };
}

/** The zone's offset from UTC at an instant, in milliseconds (east positive). */
export function offsetMs(instantMs: number, timeZone: string): number {
  const wall = wallClock(instantMs, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - (instantMs - wall.millisecond);
}

/**
 * The instant at which the zone's clocks read `wall`. A reading skipped by a DST jump resolves to
 * the instant just after the jump; a reading that happens twice resolves to the earlier one.
 */
export function instantOf(wall: WallClock, timeZone: string): number {
  const asUtc = Date.UTC(
    wall.year,
    wall.month - 1,
    wall.day,
    wall.hour,
    wall.minute,
    wall.second,
    wall.millisecond,
  );
  // Two passes: the offset at the first guess may differ from the offset at the answer.
  const first = asUtc - offsetMs(asUtc, timeZone);
  const second = asUtc - offsetMs(first, timeZone);
  if (second === first) return first;
  // The offsets disagree around a transition: prefer the earlier reading that exists.
  const earlier = Math.min(first, second);
  return formatMatches(earlier, wall, timeZone) ? earlier : Math.max(first, second);
}

function formatMatches(instantMs: number, wall: WallClock, timeZone: string): boolean {
  const got = wallClock(instantMs, timeZone);
  return got.year === wall.year && got.month === wall.month && got.day === wall.day && got.hour === wall.hour;
}

function midnight(year: number, month: number, day: number): WallClock {
  // Date.UTC normalises overflowing days and months (day 32, month 13) into a real date.
  const date = new Date(Date.UTC(year, month - 1, day));
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: 0,
    minute: 0,
    second: 0,
    millisecond: 0,
  };
}

/** The start of the unit containing the instant, as the zone's clocks see it (weeks start Monday). */
export function startOfUnit(instantMs: number, unit: CalendarUnit, timeZone: string): number {
  if (unit === 'minute' || unit === 'hour') {
    // Minutes and hours are cut on the local clock, which for a :30 or :45 zone is not UTC's.
    const size = unit === 'minute' ? MINUTE_MS : HOUR_MS;
    const local = instantMs + offsetMs(instantMs, timeZone);
    return instantMs - (((local % size) + size) % size);
  }
  const wall = wallClock(instantMs, timeZone);
  if (unit === 'day') return instantOf(midnight(wall.year, wall.month, wall.day), timeZone);
  if (unit === 'month') return instantOf(midnight(wall.year, wall.month, 1), timeZone);
  const weekday = new Date(Date.UTC(wall.year, wall.month - 1, wall.day)).getUTCDay();
  const sinceMonday = (weekday + 6) % 7;
  return instantOf(midnight(wall.year, wall.month, wall.day - sinceMonday), timeZone);
}

/** The start of the unit `count` units after the one starting at `unitStartMs` (count may be negative). */
export function addUnits(unitStartMs: number, unit: CalendarUnit, count: number, timeZone: string): number {
  if (unit === 'minute') return unitStartMs + count * MINUTE_MS;
  if (unit === 'hour') return startOfUnit(unitStartMs + count * HOUR_MS + HOUR_MS / 2, 'hour', timeZone);
  const wall = wallClock(unitStartMs, timeZone);
  if (unit === 'month') return instantOf(midnight(wall.year, wall.month + count, 1), timeZone);
  const days = unit === 'week' ? 7 * count : count;
  return instantOf(midnight(wall.year, wall.month, wall.day + days), timeZone);
}

/** Every unit start from the unit containing `fromMs` up to (not including) `toMs`. */
export function unitStarts(fromMs: number, toMs: number, unit: CalendarUnit, timeZone: string): number[] {
  const starts: number[] = [];
  for (let at = startOfUnit(fromMs, unit, timeZone); at < toMs; at = addUnits(at, unit, 1, timeZone)) {
    starts.push(at);
  }
  return starts;
}

/** True when the zone's offset is a whole number of hours throughout [fromMs, toMs]. */
export function wholeHourOffsetsThroughout(fromMs: number, toMs: number, timeZone: string): boolean {
  return offsetsThroughout(fromMs, toMs, timeZone).every((offset) => offset % HOUR_MS === 0);
}

// Offsets are sampled daily plus both ends: every zone in use keeps an offset for months, so a
// daily sample sees every offset the range passes through.
function offsetsThroughout(fromMs: number, toMs: number, timeZone: string): number[] {
  const offsets = [offsetMs(fromMs, timeZone), offsetMs(toMs, timeZone)];
  for (let at = fromMs + DAY_MS; at < toMs; at += DAY_MS) offsets.push(offsetMs(at, timeZone));
  return offsets;
}

const pad = (value: number, width = 2) => String(Math.abs(value)).padStart(width, '0');

/** RFC 3339 with the zone's offset, e.g. 2026-03-08T00:00:00.000-05:00: the instant and the local time in one. */
export function formatInZone(instantMs: number, timeZone: string): string {
  const wall = wallClock(instantMs, timeZone);
  const offsetMinutes = Math.round(offsetMs(instantMs, timeZone) / MINUTE_MS);
  const sign = offsetMinutes < 0 ? '-' : '+';
  return (
    `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}:` +
    `${pad(wall.second)}.${pad(wall.millisecond, 3)}${sign}${pad(Math.trunc(offsetMinutes / 60))}:${pad(offsetMinutes % 60)}`
  );
}
