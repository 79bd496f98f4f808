// Time ranges for every endpoint: ISO dates, ISO date-times or relative ranges (7d, 24h, 30m,
// 2w) resolved in the app's time zone into one half-open UTC range, plus the zone arithmetic
// that buckets and rollup planning need. Pure code: it must never read the clock itself.
export {
  DEFAULT_RANGE,
  MAX_RANGE_DAYS,
  MAX_RANGE_MS,
  previousPeriod,
  RANGE_VALUE_PATTERN,
  type RangeInput,
  resolveRange,
  type TimeRange,
} from './resolve-range.ts';
export {
  addUnits,
  type CalendarUnit,
  formatInZone,
  instantOf,
  isKnownTimeZone,
  offsetMs,
  startOfUnit,
  unitStarts,
  type WallClock,
  wallClock,
  wholeHourOffsetsThroughout,
} from './zoned-time.ts';
