// Custom metric series: one metric of one app, filtered by label values, optionally split by
// labels, aggregated per step. The per-minute rollup answers whenever the step and the range
// fall on UTC minutes; finer steps read the raw samples. Counter samples are increments, so a
// counter's rate is its increase over the bucket's length; histograms give quantiles from the
// rollup's t-digests (about 1% rank error, see 0007_metric_minutely.sql).
import type { ClickHouse } from '../../clickhouse/index.ts';
import { INSTANT, instantParam, ok, type Result, rangeAnswer, reject, runQuery } from '../execution/index.ts';
import { describePlan, type Plan, planMetricSeries, type SourcePreference } from '../planner/index.ts';
import { formatInZone, type TimeRange } from '../time-range/index.ts';

export const METRIC_TYPES = ['counter', 'gauge', 'histogram'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

export const AGGREGATIONS = [
  'rate',
  'increase',
  'sum',
  'count',
  'avg',
  'min',
  'max',
  'last',
  'p50',
  'p75',
  'p90',
  'p95',
  'p99',
] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** Which aggregations make sense for each metric type; the first is the default. */
export const AGGREGATIONS_BY_TYPE: Readonly<Record<MetricType, readonly Aggregation[]>> = {
  counter: ['rate', 'increase', 'count'],
  gauge: ['avg', 'min', 'max', 'last', 'sum', 'count'],
  histogram: ['p95', 'p50', 'p75', 'p90', 'p99', 'avg', 'min', 'max', 'sum', 'count', 'rate'],
};

const QUANTILE: Readonly<Partial<Record<Aggregation, number>>> = {
  p50: 0.5,
  p75: 0.75,
  p90: 0.9,
  p95: 0.95,
  p99: 0.99,
};

// A chart cannot show more points than it has pixels; 2,000 is a wide screen.
export const MAX_SERIES_POINTS = 2_000;
// Each split-by label multiplies the series; a chart with more than 50 lines is unreadable, and
// the cap keeps a high-cardinality label from producing a huge answer.
export const MAX_SERIES = 50;
// Splitting or filtering by more labels than a metric can have (control plane: 10) is a mistake.
export const MAX_LABEL_TERMS = 10;
export const DEFAULT_STEP = '1h';
const STEP = /^(\d{1,6})([smhd])$/;
export const STEP_PATTERN = '^\\d{1,6}[smhd]$';
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

export interface SeriesRequest {
  appId: string;
  name: string;
  range: TimeRange;
  stepSeconds: number;
  aggregation: Aggregation;
  /** label name -> required value */
  filters: Readonly<Record<string, string>>;
  /** labels to split the series by */
  by: readonly string[];
}

export interface SeriesPoint {
  start: string;
  value: number | null;
}

export interface MetricSeries {
  range: { start: string; end: string; timeZone: string };
  name: string;
  type: MetricType;
  aggregation: Aggregation;
  stepSeconds: number;
  series: { labels: Record<string, string>; points: SeriesPoint[] }[];
  sources: { series: string };
}

/** "30s", "5m", "1h", "1d" as seconds. */
export function parseStep(text: string): Result<number> {
  const match = STEP.exec(text);
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2] ?? 's'] ?? 1) : 0;
  if (seconds < 1) return reject('invalid_step', 'step must be a positive duration like 30s, 5m, 1h or 1d');
  return ok(seconds);
}

/** "route:/api" as a label filter (label names cannot contain ':', so the first one splits). */
export function parseLabelFilter(text: string): Result<[string, string]> {
  const colon = text.indexOf(':');
  if (colon < 1) return reject('invalid_label_filter', 'label filters look like name:value');
  return ok([text.slice(0, colon), text.slice(colon + 1)]);
}

/** The metric's type as stored (the latest one, should a config have changed it), or undefined. */
export async function metricType(
  ch: ClickHouse,
  appId: string,
  name: string,
): Promise<MetricType | undefined> {
  const [row] = await runQuery<{ type: MetricType }>(
    ch,
    `SELECT type FROM metric_minutely WHERE app_id = {app:UUID} AND name = {name:String}
     GROUP BY type ORDER BY max(minute) DESC LIMIT 1`,
    { app: appId, name },
  );
  return row?.type;
}

function aggregateSql(aggregation: Aggregation, rollup: boolean): string {
  const quantile = QUANTILE[aggregation];
  if (quantile !== undefined) {
    return rollup
      ? 'quantileTDigestMerge({q:Float64})(value_quantiles)'
      : 'quantileTDigest({q:Float64})(value)';
  }
  switch (aggregation) {
    case 'count':
      return rollup ? 'sum(sample_count)' : 'count()';
    case 'avg':
      return rollup ? 'sum(value_sum) / sum(sample_count)' : 'avg(value)';
    case 'min':
      return rollup ? 'min(value_min)' : 'min(value)';
    case 'max':
      return rollup ? 'max(value_max)' : 'max(value)';
    case 'last':
      return rollup ? 'argMaxMerge(value_last)' : 'argMax(value, (ts, value))';
    default:
      // rate, increase, sum: the bucket's sum; rate is divided by the bucket's length below.
      return rollup ? 'sum(value_sum)' : 'sum(value)';
  }
}

/** Aggregations that are 0, not missing, for a bucket without samples. */
const ZERO_WHEN_EMPTY: ReadonlySet<Aggregation> = new Set(['rate', 'increase', 'sum', 'count']);

export async function queryMetricSeries(
  ch: ClickHouse,
  request: SeriesRequest,
  type: MetricType,
  prefer: SourcePreference = 'auto',
): Promise<MetricSeries> {
  const { range, stepSeconds, aggregation } = request;
  const plan: Plan<'metric_minutely' | 'metric_samples'> = planMetricSeries(
    range,
    stepSeconds * 1000,
    prefer,
  );
  const rollup = plan.rollup;
  const time = rollup ? 'minute' : 'ts';
  const params: Record<string, unknown> = {
    app: request.appId,
    name: request.name,
    type,
    from: instantParam(range.from),
    to: instantParam(range.to),
    fromSeconds: Math.floor(range.from / 1000),
    step: stepSeconds,
  };
  const quantile = QUANTILE[aggregation];
  if (quantile !== undefined) params.q = quantile;
  const filters = Object.entries(request.filters).map(([label, value], index) => {
    params[`fl${index}`] = label;
    params[`fv${index}`] = value;
    return `AND labels[{fl${index}:String}] = {fv${index}:String}`;
  });
  const groups = request.by.map((label, index) => {
    params[`by${index}`] = label;
    return `labels[{by${index}:String}]`;
  });
  const rows = await runQuery<{ group: string[]; bucket: string | number; value: number | string | null }>(
    ch,
    `SELECT [${groups.join(', ')}]::Array(String) AS group,
            intDiv(toInt64(toUnixTimestamp(${time})) - {fromSeconds:Int64}, {step:UInt32}) AS bucket,
            ${aggregateSql(aggregation, rollup)} AS value
     FROM ${plan.source}
     WHERE app_id = {app:UUID} AND name = {name:String} AND type = {type:String}
       AND ${time} >= {from:${INSTANT}} AND ${time} < {to:${INSTANT}}
       ${filters.join(' ')}
     GROUP BY group, bucket
     ORDER BY group, bucket`,
    params,
  );

  const stepMs = stepSeconds * 1000;
  const bucketCount = Math.ceil((range.to - range.from) / stepMs);
  const series = new Map<string, { labels: Record<string, string>; values: Map<number, number> }>();
  for (const row of rows) {
    const key = JSON.stringify(row.group);
    let entry = series.get(key);
    if (!entry) {
      entry = {
        labels: Object.fromEntries(request.by.map((label, index) => [label, row.group[index] ?? ''])),
        values: new Map(),
      };
      series.set(key, entry);
    }
    if (row.value !== null) entry.values.set(Number(row.bucket), Number(row.value));
  }
  if (series.size === 0 && request.by.length === 0) series.set('[]', { labels: {}, values: new Map() });
  return {
    range: rangeAnswer(range),
    name: request.name,
    type,
    aggregation,
    stepSeconds,
    series: [...series.values()].map(({ labels, values }) => ({
      labels,
      points: Array.from({ length: bucketCount }, (_, index) => {
        const start = range.from + index * stepMs;
        const raw = values.get(index);
        const bucketSeconds = (Math.min(start + stepMs, range.to) - start) / 1000;
        let value: number | null = raw ?? (ZERO_WHEN_EMPTY.has(aggregation) ? 0 : null);
        if (aggregation === 'rate' && value !== null) value /= bucketSeconds;
        return { start: formatInZone(start, range.timeZone), value };
      }),
    })),
    sources: { series: describePlan(plan) },
  };
}
