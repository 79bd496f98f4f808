// An app's custom metrics in the Prometheus text exposition format (0.0.4), so a Prometheus
// server can scrape them with a read key and PromQL works on them: counters as running totals
// (samples are increments, so the total of all retained samples), gauges as their latest value,
// histograms as cumulative le buckets with _sum and _count. Read from the per-minute rollup.
import type { ClickHouse } from '../../clickhouse/index.ts';
import { LABEL_NAME_PATTERN, METRIC_NAME_PATTERN } from '../../control-plane/metric-configs/schemas.ts';
import type { Postgres } from '../../runtime/postgres/index.ts';
import { num, runQuery } from '../execution/index.ts';
import type { MetricType } from './series-query.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = new RegExp(METRIC_NAME_PATTERN);
const LABEL_NAME = new RegExp(LABEL_NAME_PATTERN);

interface SeriesRow {
  name: string;
  type: MetricType;
  labels: Record<string, string>;
  bucket_bounds: number[];
  count: string;
  sum: number;
  last: number;
  buckets: (string | number)[];
  latest: string;
}

/** Prometheus float syntax (Go's ParseFloat reads JavaScript's exponent form). */
export function promNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

const escapeLabelValue = (value: string) =>
  value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
const escapeHelp = (value: string) => value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');

function labelText(labels: Readonly<Record<string, string>>, extra?: [string, string]): string {
  // Names a scraper could not parse never came through ingest; skip them rather than break the page.
  const pairs = Object.entries(labels)
    .filter(([name]) => LABEL_NAME.test(name) && !name.startsWith('__'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

/** Rows to exposition text; exported for unit tests of the format. */
export function renderExposition(rows: readonly SeriesRow[], help: ReadonlyMap<string, string>): string {
  // One family per name with one type: the latest type wins should a config have changed it,
  // and per label set the latest bucket layout wins.
  const families = new Map<string, { type: MetricType; latest: number; series: Map<string, SeriesRow> }>();
  for (const row of rows) {
    if (!METRIC_NAME.test(row.name)) continue;
    const latest = num(row.latest);
    const family = families.get(row.name);
    if (!family || (family.type !== row.type && latest > family.latest)) {
      families.set(row.name, { type: row.type, latest, series: new Map([[labelText(row.labels), row]]) });
      continue;
    }
    if (family.type !== row.type) continue;
    family.latest = Math.max(family.latest, latest);
    const key = labelText(row.labels);
    const existing = family.series.get(key);
    if (!existing || num(existing.latest) < latest) family.series.set(key, row);
  }
  const lines: string[] = [];
  for (const name of [...families.keys()].sort()) {
    const family = families.get(name);
    if (!family) continue;
    const text = help.get(name);
    if (text) lines.push(`# HELP ${name} ${escapeHelp(text)}`);
    lines.push(`# TYPE ${name} ${family.type}`);
    for (const [labels, row] of [...family.series.entries()].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )) {
      if (family.type === 'counter') lines.push(`${name}${labels} ${promNumber(row.sum)}`);
      else if (family.type === 'gauge') lines.push(`${name}${labels} ${promNumber(row.last)}`);
      else {
        for (const [index, bound] of row.bucket_bounds.entries()) {
          const le = labelText(row.labels, ['le', promNumber(bound)]);
          lines.push(`${name}_bucket${le} ${num(row.buckets[index])}`);
        }
        lines.push(`${name}_bucket${labelText(row.labels, ['le', '+Inf'])} ${num(row.count)}`);
        lines.push(`${name}_sum${labels} ${promNumber(row.sum)}`);
        lines.push(`${name}_count${labels} ${num(row.count)}`);
      }
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export async function queryExposition(ch: ClickHouse, postgres: Postgres, appId: string): Promise<string> {
  const rows = await runQuery<SeriesRow>(
    ch,
    `SELECT name, type, labels, bucket_bounds, sum(sample_count) AS count, sum(value_sum) AS sum,
            argMaxMerge(value_last) AS last, sumForEachMerge(bucket_counts) AS buckets,
            toUnixTimestamp(max(minute)) AS latest
     FROM metric_minutely WHERE app_id = {app:UUID}
     GROUP BY name, type, labels, bucket_bounds`,
    { app: appId },
  );
  const configs = await postgres.query<{ name: string; help: string }>(
    'SELECT name, help FROM metric_configs WHERE app_id = $1',
    [appId],
  );
  return renderExposition(rows, new Map(configs.rows.map((row) => [row.name, row.help])));
}
