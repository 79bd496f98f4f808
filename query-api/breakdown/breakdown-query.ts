// Top values of one or more dimensions with an "other" row, optionally beside the previous
// period: the query behind the breakdown endpoint and the breakdown sections of the summary and
// overview. One pass: per value it keeps the event count and a unique-visitor state, ranks the
// values by events, then folds everything below the top N into one row whose visitors are the
// merged states (a true distinct count, not a sum). The counts come from the daily rollup for
// whole UTC days and from the raw table for the rest (see planDimensions); both produce the same
// uniqCombined64 states, so merging them gives the raw answer.
import type { ClickHouse } from '../../clickhouse/index.ts';
import { dayParam, INSTANT, instantParam, num, RAW, runQuery } from '../execution/index.ts';
import {
  type Dimension,
  type DimensionPlan,
  dimensionLabel,
  dimensionParams,
  dimensionSpec,
  planDimensions,
  type SourcePreference,
} from '../planner/index.ts';
import type { TimeRange } from '../time-range/index.ts';

// The top list a breakdown may ask for; longer lists are exports, not breakdowns.
export const MAX_BREAKDOWN_LIMIT = 100;
export const DEFAULT_BREAKDOWN_LIMIT = 10;
const DAY_MS = 86_400_000;
// Ranks are UInt64; values with no events in the current period get this rank, so they always
// fold into "other" instead of pushing real values out of the top list.
const UNRANKED = '18446744073709551615';

export interface BreakdownRequest {
  appId: string;
  range: TimeRange;
  /** Also count the period before (same ranking), for comparisons. */
  previous?: TimeRange | undefined;
  dimensions: readonly Dimension[];
  /** Only events of this type. */
  eventType?: string | undefined;
  limit: number;
}

export interface Counts {
  events: number;
  uniqueUsers: number;
}

export interface BreakdownRow extends Counts {
  /** null on the "other" row. */
  value: string | null;
  /** Present on the "other" row: how many values it folds together. */
  other?: { values: number };
  previous?: Counts;
}

export interface BreakdownAnswer {
  plan: DimensionPlan;
  /** Rows per dimension label, top values first (events desc, then value), "other" last. */
  rows: Map<string, BreakdownRow[]>;
}

interface Row {
  dimension: string;
  bucket: string | null;
  events: string;
  visitors: string;
  prev_events: string;
  prev_visitors: string;
  values: string;
}

export async function queryBreakdown(
  ch: ClickHouse,
  request: BreakdownRequest,
  prefer: SourcePreference = 'auto',
): Promise<BreakdownAnswer> {
  const { range, previous, dimensions } = request;
  const scan: TimeRange = previous ? { ...range, from: previous.from } : range;
  const plan = planDimensions(scan, dimensions, prefer, [range.from]);
  const days = plan.days;
  const labels = dimensions.map(dimensionLabel);
  // With the rollup in play, both parts name dimensions as the rollup does (device_type).
  const keys = dimensions.map(
    (dimension, index) => (days ? dimensionSpec(dimension).rollup : labels[index]) ?? '',
  );
  const withPrevious = previous !== undefined;
  const typeFilter = request.eventType === undefined ? '' : 'AND event_type = {eventType:String}';
  const params: Record<string, unknown> = {
    app: request.appId,
    limit: request.limit,
    scanFrom: instantParam(scan.from),
    from: instantParam(range.from),
    to: instantParam(range.to),
    ...(request.eventType === undefined ? {} : { eventType: request.eventType }),
  };
  for (const dimension of dimensions) Object.assign(params, dimensionParams(dimension));

  let rawColumns = '';
  let arrayJoin = '';
  if (plan.source !== 'events_daily_dims') {
    if (dimensions.length === 1 && dimensions[0]) {
      params.key0 = keys[0];
      rawColumns = `{key0:String} AS dimension, ${dimensionSpec(dimensions[0]).raw} AS value`;
    } else {
      // Keys are bound too; the expressions come from the allow-list in planner/dimensions.ts.
      const pairs = dimensions.map((dimension, index) => {
        params[`key${index}`] = keys[index];
        return `({key${index}:String}, ${dimensionSpec(dimension).raw})`;
      });
      rawColumns = 'dim.1 AS dimension, dim.2 AS value';
      arrayJoin = `ARRAY JOIN [${pairs.join(', ')}] AS dim`;
    }
  }
  const rawWhere = (extra: string) =>
    `FROM events ${arrayJoin}
     WHERE app_id = {app:UUID} AND ts >= {scanFrom:${INSTANT}} AND ts < {to:${INSTANT}} ${extra} ${typeFilter}`;
  const current = `ts >= {from:${INSTANT}}`;

  let sql: string;
  if (days) {
    Object.assign(params, {
      keys,
      dayFrom: dayParam(days.from),
      dayTo: dayParam(days.to),
      cutDays: days.cut.map(dayParam),
      // Days before this one are the previous period. The day holding range.from is cut (read
      // raw) whenever range.from is not a UTC midnight, so the rollup never splits a day.
      currentDay: dayParam(Math.ceil(range.from / DAY_MS) * DAY_MS),
      rawBefore: instantParam(days.from),
      rawAfter: instantParam(days.to),
    });
    // Rollup rows as they are, plus (for the edges) raw rows folded into the same state type.
    // Ranking needs only event counts; the visitor states are merged once, straight into the
    // final numbers: building merged states for every value first costs several times more.
    const rows = [
      `SELECT dimension, value, day >= {currentDay:Date} AS current, toUInt64(event_count) AS e, unique_visitors AS vs
       FROM events_daily_dims
       WHERE app_id = {app:UUID} AND dimension IN {keys:Array(String)}
         AND day >= {dayFrom:Date} AND day < {dayTo:Date} AND NOT has({cutDays:Array(Date)}, day) ${typeFilter}`,
    ];
    if (plan.source !== 'events_daily_dims') {
      // Only what the rollup part does not cover: the edges outside its days, and its cut days.
      const outside = `AND (ts < {rawBefore:${INSTANT}} OR ts >= {rawAfter:${INSTANT}} OR has({cutDays:Array(Date)}, toDate(ts)))`;
      rows.push(
        `SELECT ${rawColumns}, ${current} AS current, count() AS e, ${RAW.visitorsState} AS vs
         ${rawWhere(outside)}
         GROUP BY dimension, value, current`,
      );
    }
    const source = `(${rows.join('\n       UNION ALL\n       ')})`;
    sql = `
WITH top AS (
    SELECT dimension, value FROM (
        SELECT dimension, value, sumIf(e, current) AS events,
               row_number() OVER (PARTITION BY dimension ORDER BY events DESC, value) AS rank
        FROM ${source}
        GROUP BY dimension, value
    )
    WHERE events > 0 AND rank <= {limit:UInt32}
)
SELECT dimension, bucket,
       sumIf(e, current) AS events, uniqCombined64MergeIf(vs, current) AS visitors,
       sumIf(e, NOT current) AS prev_events, uniqCombined64MergeIf(vs, NOT current) AS prev_visitors,
       uniqExact(value) AS values
FROM (SELECT *, if((dimension, value) IN top, value, NULL) AS bucket FROM ${source})
GROUP BY dimension, bucket
ORDER BY dimension, bucket IS NULL, events DESC, bucket`;
  } else {
    // Raw only: one pass (a second would parse every row's JSON again for metadata keys). Per
    // value an event count and a visitor state; ranks; then the tail folds into "other".
    sql = `
SELECT dimension, if(rank <= {limit:UInt32}, value, NULL) AS bucket,
       sum(events) AS events, uniqCombined64Merge(visitors) AS visitors,
       sum(prev_events) AS prev_events, uniqCombined64Merge(prev_visitors) AS prev_visitors, count() AS values
FROM (
    SELECT ${rawColumns},
           countIf(${current}) AS events,
           uniqCombined64StateIf(visitor_id, visitor_id != '' AND ${current}) AS visitors,
           countIf(NOT ${current}) AS prev_events,
           uniqCombined64StateIf(visitor_id, visitor_id != '' AND NOT ${current}) AS prev_visitors,
           if(events > 0, row_number() OVER (PARTITION BY dimension ORDER BY events DESC, value), ${UNRANKED}) AS rank
    ${rawWhere('')}
    GROUP BY dimension, value
)
GROUP BY dimension, bucket
ORDER BY dimension, bucket IS NULL, events DESC, bucket`;
  }
  const result = await runQuery<Row>(ch, sql, params);

  // The rollup names some dimensions differently (device_type); answer under the request's labels.
  const labelOf = new Map<string, string>(keys.map((key, index) => [key, labels[index] ?? '']));
  const rows = new Map<string, BreakdownRow[]>(labels.map((label) => [label, []]));
  for (const row of result) {
    const label = labelOf.get(row.dimension) ?? row.dimension;
    const out: BreakdownRow = { value: row.bucket, events: num(row.events), uniqueUsers: num(row.visitors) };
    if (row.bucket === null) out.other = { values: num(row.values) };
    if (withPrevious) out.previous = { events: num(row.prev_events), uniqueUsers: num(row.prev_visitors) };
    rows.get(label)?.push(out);
  }
  return { plan, rows };
}
