// Top values of one or more dimensions with an "other" row, optionally beside the previous
// period: the query behind the breakdown endpoint and the breakdown sections of the summary and
// overview. One pass: per value it keeps the event count and a unique-visitor state, ranks the
// values by events, then folds everything below the top N into one row whose visitors are the
// merged states (a true distinct count, not a sum). The counts come from the daily rollup for
// whole UTC days and from the raw table for the rest (see planDimensions); both produce the same
// uniqCombined64 states, so merging them gives the raw answer.
import type { ClickHouse } from '../../clickhouse/index.ts';
import { dayParam, INSTANT, instantParam, num, RAW, ROLLUP, runQuery } from '../execution/index.ts';
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
  value: string | null;
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

  const branches: string[] = [];
  if (days) {
    Object.assign(params, {
      keys,
      dayFrom: dayParam(days.from),
      dayTo: dayParam(days.to),
      cutDays: days.cut.map(dayParam),
      // Days before this one are the previous period. The day holding range.from is cut (read
      // raw) whenever range.from is not a UTC midnight, so the rollup never splits a day.
      currentDay: dayParam(Math.ceil(range.from / DAY_MS) * DAY_MS),
    });
    const counts = withPrevious
      ? `sumIf(event_count, day >= {currentDay:Date}) AS e,
         uniqCombined64MergeStateIf(unique_visitors, day >= {currentDay:Date}) AS v,
         sumIf(event_count, day < {currentDay:Date}) AS pe,
         uniqCombined64MergeStateIf(unique_visitors, day < {currentDay:Date}) AS pv`
      : `${ROLLUP.events} AS e, ${ROLLUP.visitorsState} AS v`;
    branches.push(`
        SELECT dimension, value, ${counts}
        FROM events_daily_dims
        WHERE app_id = {app:UUID} AND dimension IN {keys:Array(String)}
          AND day >= {dayFrom:Date} AND day < {dayTo:Date} AND NOT has({cutDays:Array(Date)}, day) ${typeFilter}
        GROUP BY dimension, value`);
  }
  if (plan.source !== 'events_daily_dims') {
    let columns: string;
    let arrayJoin = '';
    if (dimensions.length === 1 && dimensions[0]) {
      params.key0 = keys[0];
      columns = `{key0:String} AS dimension, ${dimensionSpec(dimensions[0]).raw} AS value`;
    } else {
      // Keys are bound too; the expressions come from the allow-list in planner/dimensions.ts.
      const pairs = dimensions.map((dimension, index) => {
        params[`key${index}`] = keys[index];
        return `({key${index}:String}, ${dimensionSpec(dimension).raw})`;
      });
      columns = 'dim.1 AS dimension, dim.2 AS value';
      arrayJoin = `ARRAY JOIN [${pairs.join(', ')}] AS dim`;
    }
    const counts = withPrevious
      ? `countIf(ts >= {from:${INSTANT}}) AS e,
         uniqCombined64StateIf(visitor_id, visitor_id != '' AND ts >= {from:${INSTANT}}) AS v,
         countIf(ts < {from:${INSTANT}}) AS pe,
         uniqCombined64StateIf(visitor_id, visitor_id != '' AND ts < {from:${INSTANT}}) AS pv`
      : `${RAW.events} AS e, ${RAW.visitorsState} AS v`;
    // Only what the rollup part does not cover: the edges outside its days, and its cut days.
    const outsideRollup = days
      ? `AND (ts < {rawBefore:${INSTANT}} OR ts >= {rawAfter:${INSTANT}} OR has({cutDays:Array(Date)}, toDate(ts)))`
      : '';
    if (days) Object.assign(params, { rawBefore: instantParam(days.from), rawAfter: instantParam(days.to) });
    branches.push(`
        SELECT ${columns}, ${counts}
        FROM events ${arrayJoin}
        WHERE app_id = {app:UUID} AND ts >= {scanFrom:${INSTANT}} AND ts < {to:${INSTANT}} ${outsideRollup} ${typeFilter}
        GROUP BY dimension, value`);
  }
  const previousColumns = withPrevious
    ? {
        middle: ', sum(pe) AS prev_events, uniqCombined64MergeState(pv) AS prev_visitors',
        outer: 'sum(prev_events) AS prev_events, uniqCombined64Merge(prev_visitors) AS prev_visitors',
      }
    : { middle: '', outer: "'0' AS prev_events, '0' AS prev_visitors" };

  const sql = `
SELECT dimension, if(rank <= {limit:UInt32}, value, NULL) AS value,
       sum(events) AS events, uniqCombined64Merge(visitors) AS visitors, ${previousColumns.outer}, count() AS values
FROM (
    SELECT dimension, value, sum(e) AS events, uniqCombined64MergeState(v) AS visitors ${previousColumns.middle},
           if(events > 0, row_number() OVER (PARTITION BY dimension ORDER BY events DESC, value), ${UNRANKED}) AS rank
    FROM (${branches.join('\n        UNION ALL')})
    GROUP BY dimension, value
)
GROUP BY dimension, value
ORDER BY dimension, value IS NULL, events DESC, value`;
  const result = await runQuery<Row>(ch, sql, params);

  // The rollup names some dimensions differently (device_type); answer under the request's labels.
  const labelOf = new Map<string, string>(keys.map((key, index) => [key, labels[index] ?? '']));
  const rows = new Map<string, BreakdownRow[]>(labels.map((label) => [label, []]));
  for (const row of result) {
    const label = labelOf.get(row.dimension) ?? row.dimension;
    const out: BreakdownRow = { value: row.value, events: num(row.events), uniqueUsers: num(row.visitors) };
    if (row.value === null) out.other = { values: num(row.values) };
    if (withPrevious) out.previous = { events: num(row.prev_events), uniqueUsers: num(row.prev_visitors) };
    rows.get(label)?.push(out);
  }
  return { plan, rows };
}
