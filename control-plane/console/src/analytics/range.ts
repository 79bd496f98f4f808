// The analytics range and interval pickers' logic: presets, what the query API is sent, which
// intervals make sense for a range, and the metric step. Pure: tested in node.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const RANGE_PRESETS = [
  { id: '30m', label: 'Last 30 minutes', ms: 30 * MINUTE },
  { id: '24h', label: 'Last 24 hours', ms: DAY },
  { id: '7d', label: 'Last 7 days', ms: 7 * DAY },
  { id: '30d', label: 'Last 30 days', ms: 30 * DAY },
  { id: '90d', label: 'Last 90 days', ms: 90 * DAY },
  { id: '365d', label: 'Last 12 months', ms: 365 * DAY },
] as const;
export type PresetId = (typeof RANGE_PRESETS)[number]['id'];
export const DEFAULT_PRESET: PresetId = '7d';

export const INTERVALS = [
  { id: 'minute', label: 'Minute', ms: MINUTE },
  { id: 'hour', label: 'Hour', ms: HOUR },
  { id: 'day', label: 'Day', ms: DAY },
  { id: 'week', label: 'Week', ms: 7 * DAY },
  { id: 'month', label: 'Month', ms: 30 * DAY },
] as const;
export type IntervalId = (typeof INTERVALS)[number]['id'];

/** The query API's cap (query-api/timeline: MAX_TIMELINE_BUCKETS). */
export const MAX_BUCKETS = 2_000;
// About as many points as a wide chart shows legibly; the default interval stays below it.
const COMFORTABLE_POINTS = 400;
/** The query API's longest range (query-api/time-range: MAX_RANGE_DAYS). */
export const MAX_RANGE_DAYS = 366;

export type RangeChoice = { kind: 'preset'; id: PresetId } | { kind: 'custom'; from: string; to: string };

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What the query API is sent as startDate and endDate. */
export function rangeParams(range: RangeChoice): { startDate: string; endDate?: string } {
  return range.kind === 'preset' ? { startDate: range.id } : { startDate: range.from, endDate: range.to };
}

/** How long a range is (custom ones include both end days). */
export function rangeMs(range: RangeChoice): number {
  if (range.kind === 'preset') return RANGE_PRESETS.find((preset) => preset.id === range.id)?.ms ?? 7 * DAY;
  return Date.parse(`${range.to}T00:00:00Z`) - Date.parse(`${range.from}T00:00:00Z`) + DAY;
}

/** A problem with a custom range, in words, or undefined. */
export function customRangeProblem(from: string, to: string): string | undefined {
  if (!DATE.test(from) || !DATE.test(to)) return 'Choose a start and an end date';
  if (from > to) return 'The start date must be on or before the end date';
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY + 1;
  if (days > MAX_RANGE_DAYS) return `Choose at most ${MAX_RANGE_DAYS} days`;
  return undefined;
}

/** Intervals that draw a line (two buckets at least) within the API's maximum of buckets. */
export function allowedIntervals(ms: number): IntervalId[] {
  return INTERVALS.filter((interval) => ms / interval.ms >= 2 && ms / interval.ms <= MAX_BUCKETS).map(
    (i) => i.id,
  );
}

/** The finest interval that keeps the chart legible. */
export function defaultInterval(ms: number): IntervalId {
  const allowed = allowedIntervals(ms);
  const fits = INTERVALS.find(
    (interval) => allowed.includes(interval.id) && ms / interval.ms <= COMFORTABLE_POINTS,
  );
  return fits?.id ?? allowed[allowed.length - 1] ?? 'day';
}

const STEPS = [
  { text: '1m', ms: MINUTE },
  { text: '5m', ms: 5 * MINUTE },
  { text: '15m', ms: 15 * MINUTE },
  { text: '1h', ms: HOUR },
  { text: '6h', ms: 6 * HOUR },
  { text: '1d', ms: DAY },
] as const;

/** The metric series step for a range: the finest that keeps the chart legible. */
export function metricStep(ms: number): string {
  return STEPS.find((step) => ms / step.ms <= COMFORTABLE_POINTS)?.text ?? '1d';
}

/** Read the range from the screen's query (?range=7d or ?range=custom&from=..&to=..). */
export function rangeFromQuery(query: URLSearchParams): RangeChoice {
  const id = query.get('range');
  if (id === 'custom') {
    const from = query.get('from') ?? '';
    const to = query.get('to') ?? '';
    if (!customRangeProblem(from, to)) return { kind: 'custom', from, to };
  }
  const preset = RANGE_PRESETS.find((p) => p.id === id);
  return { kind: 'preset', id: preset?.id ?? DEFAULT_PRESET };
}

export function intervalFromQuery(query: URLSearchParams, range: RangeChoice): IntervalId {
  const wanted = query.get('interval');
  const allowed = allowedIntervals(rangeMs(range));
  const found = allowed.find((id) => id === wanted);
  return found ?? defaultInterval(rangeMs(range));
}

export function rangeToQuery(range: RangeChoice, interval: IntervalId): Record<string, string> {
  return range.kind === 'preset'
    ? { range: range.id, interval }
    : { range: 'custom', from: range.from, to: range.to, interval };
}
