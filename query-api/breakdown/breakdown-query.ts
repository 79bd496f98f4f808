// Top values of one or more dimensions with an "other" row, optionally beside the previous
// period: the query behind the breakdown endpoint and the breakdown sections of the summary and
// overview. One pass: per value it keeps the event count and a unique-visitor state, ranks the
// values by events, then folds everything below the top N into one row whose visitors are the
// merged states (a true distinct count, not a sum). The counts come from the daily rollup for
// whole UTC days and from the raw table for the rest (see planDimensions); both produce the same
// uniqCombined64(12) states (the rollup's precision, see migration 0008), so merging them gives
// the raw answer.
import type { ClickHouse } from '../../clickhouse/index.ts';
import { dayParam, INSTANT, instantParam, num, runQuery } from '../execution/index.ts';
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
// Unique visitors per value, with events_daily_dims' precision (12) on both paths.
const visitorsStateIf = (condition: string) =>
  `uniqCombined64StateIf(12)(visitor_id, visitor_id != '' AND ${condition})`;
const mergeVisitorsIf = (state: string, condition: string) =>
  `uniqCombined64MergeIf(12)(${state}, ${condition})`;
const mergeVisitors = (state: string) => `uniqCombined64Merge(12)(${state})`;
// The top values the ranking chose, bound as two parallel arrays.
const IS_TOP = 'has(arrayZip({topDimensions:Array(String)}, {topValues:Array(String)}), (dimension, value))';

export interface BreakdownRequest {
  appId: string;
  range: TimeRange;
  /** Also count the period before (same ranking), for comparisons. */
  previous?: TimeRange | undefined;
  dimensions: readonly Dimension[];
  /** Only events of this type. */
  eventType?: string | undefined;
  limit: number;
  /**
   * Add the "other" row (default true). Without it only the top values' visitor states are
   * merged, which is most of the work when a dimension has many values (paths).
   */
  withOther?: boolean;
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

interface RankedRow {
  dimension: string;
  value: string;
  events: string;
  prev_events: string;
  rank: string;
  all_events: string;
  all_prev_events: string;
  all_values: string;
}

interface StatesRow {
  dimension: string;
  bucket: string | null;
  visitors: string;
  prev_visitors: string;
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
  const withOther = request.withOther ?? true;
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

  let result: Row[];
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
    // onlyTop: the rows of the top values alone, bound as {topDimensions} x {topValues}.
    const sourceOf = (onlyTop: boolean) => {
      const rows = [
        `SELECT dimension, value, day >= {currentDay:Date} AS current, toUInt64(event_count) AS e, unique_visitors AS vs
         FROM events_daily_dims
         WHERE app_id = {app:UUID} AND dimension IN {keys:Array(String)}
           AND day >= {dayFrom:Date} AND day < {dayTo:Date} AND NOT has({cutDays:Array(Date)}, day) ${typeFilter}
           ${onlyTop ? `AND ${IS_TOP}` : ''}`,
      ];
      if (plan.source !== 'events_daily_dims') {
        // Only what the rollup part does not cover: the edges outside its days, and its cut days.
        const outside = `AND (ts < {rawBefore:${INSTANT}} OR ts >= {rawAfter:${INSTANT}} OR has({cutDays:Array(Date)}, toDate(ts)))`;
        rows.push(
          `SELECT ${rawColumns}, ${current} AS current, count() AS e, ${visitorsStateIf('1')} AS vs
           ${rawWhere(outside)}
           GROUP BY dimension, value, current ${onlyTop ? `HAVING ${IS_TOP}` : ''}`,
        );
      }
      return `(${rows.join('\n       UNION ALL\n       ')})`;
    };
    // Two statements: ranking needs only event counts, and merging unique-visitor states is
    // most of the work, so the states are merged only where an answer needs them. (One statement
    // with the ranking as a CTE ran it twice and took about twice as long.) The ranking also
    // brings each dimension's totals, from which the "other" row's counts follow.
    const ranked = await runQuery<RankedRow>(
      ch,
      `SELECT dimension, value, events, prev_events, rank, all_events, all_prev_events, all_values
       FROM (
           SELECT dimension, value, sumIf(e, current) AS events, sumIf(e, NOT current) AS prev_events,
                  row_number() OVER (PARTITION BY dimension ORDER BY events DESC, value) AS rank,
                  sum(events) OVER (PARTITION BY dimension) AS all_events,
                  sum(prev_events) OVER (PARTITION BY dimension) AS all_prev_events,
                  count() OVER (PARTITION BY dimension) AS all_values
           FROM ${sourceOf(false)}
           GROUP BY dimension, value
       )
       WHERE rank <= {limit:UInt32}
       ORDER BY dimension, rank`,
      params,
    );
    const top = ranked.filter((row) => num(row.events) > 0);
    params.topDimensions = top.map((row) => row.dimension);
    params.topValues = top.map((row) => row.value);
    const states =
      top.length === 0 && !withOther
        ? []
        : await runQuery<StatesRow>(
            ch,
            `SELECT dimension, ${withOther ? `if(${IS_TOP}, value, NULL)` : 'value'} AS bucket,
                    ${mergeVisitorsIf('vs', 'current')} AS visitors, ${mergeVisitorsIf('vs', 'NOT current')} AS prev_visitors
             FROM ${sourceOf(!withOther)}
             GROUP BY dimension, bucket`,
            params,
          );
    result = foldRanked(ranked, top, states, withOther);
  } else {
    // Raw only: one pass (a second would parse every row's JSON again for metadata keys). Per
    // value an event count and a visitor state; ranks; then the tail folds into "other".
    // Without a previous period every row is current, so no second state is built per value.
    const previousColumns = withPrevious
      ? `countIf(NOT ${current}) AS prev_events, ${visitorsStateIf(`NOT ${current}`)} AS prev_visitors,`
      : '';
    const mergedPrevious = withPrevious
      ? `sum(prev_events) AS prev_events, ${mergeVisitors('prev_visitors')} AS prev_visitors,`
      : '';
    const sql = `
SELECT dimension, if(rank <= {limit:UInt32}, value, NULL) AS bucket,
       sum(events) AS events, ${mergeVisitors('visitors')} AS visitors,
       ${mergedPrevious} count() AS values
FROM (
    SELECT ${rawColumns},
           countIf(${current}) AS events,
           ${visitorsStateIf(current)} AS visitors,
           ${previousColumns}
           if(events > 0, row_number() OVER (PARTITION BY dimension ORDER BY events DESC, value), ${UNRANKED}) AS rank
    ${rawWhere('')}
    GROUP BY dimension, value
)
${withOther ? '' : 'WHERE bucket IS NOT NULL'}
GROUP BY dimension, bucket
ORDER BY dimension, bucket IS NULL, events DESC, bucket`;
    result = await runQuery<Row>(ch, sql, params);
  }

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

/**
 * The rows the one-statement form answers, from the ranking and the merged states: per
 * dimension the top values in rank order, then (if any value is left) the "other" row, whose
 * counts are the dimension's totals less the top values'.
 */
function foldRanked(
  ranked: readonly RankedRow[],
  top: readonly RankedRow[],
  states: readonly StatesRow[],
  withOther: boolean,
): Row[] {
  const byDimension = new Map<string, Map<string | null, StatesRow>>();
  for (const row of states) {
    const buckets = byDimension.get(row.dimension) ?? new Map<string | null, StatesRow>();
    buckets.set(row.bucket, row);
    byDimension.set(row.dimension, buckets);
  }
  const stateOf = (dimension: string, bucket: string | null) => byDimension.get(dimension)?.get(bucket);
  const rows: Row[] = [];
  const dimensions = [...new Set(ranked.map((row) => row.dimension))];
  for (const dimension of dimensions) {
    const mine = top.filter((row) => row.dimension === dimension);
    for (const row of mine) {
      const state = stateOf(dimension, row.value);
      rows.push({
        dimension,
        bucket: row.value,
        events: row.events,
        prev_events: row.prev_events,
        visitors: state?.visitors ?? '0',
        prev_visitors: state?.prev_visitors ?? '0',
        values: '1',
      });
    }
    const totals = ranked.find((row) => row.dimension === dimension);
    const restValues = num(totals?.all_values) - mine.length;
    if (!withOther || !totals || restValues <= 0) continue;
    const sum = (pick: (row: RankedRow) => string) => mine.reduce((total, row) => total + num(pick(row)), 0);
    const other = stateOf(dimension, null);
    rows.push({
      dimension,
      bucket: null,
      events: String(num(totals.all_events) - sum((row) => row.events)),
      prev_events: String(num(totals.all_prev_events) - sum((row) => row.prev_events)),
      visitors: other?.visitors ?? '0',
      prev_visitors: other?.prev_visitors ?? '0',
      values: String(restValues),
    });
  }
  return rows;
}
