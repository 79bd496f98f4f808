// Cohort retention: visitors grouped by the day or week (in the app's zone, weeks from Monday)
// they were first seen, and for each later period how many of them were active again. "First
// seen" looks at the app's whole history before the range ends, so a returning visitor is
// never mistaken for a new one. Counts are exact distinct visitors, from the raw table (no
// rollup keeps per-visitor first-seen times).
import type { ClickHouse } from '../../clickhouse/index.ts';
import { INSTANT, instantParam, num, rangeAnswer, runQuery } from '../execution/index.ts';
import { type TimeRange, unitStarts, wallClock } from '../time-range/index.ts';

export const COHORT_UNITS = ['day', 'week'] as const;
export type CohortUnit = (typeof COHORT_UNITS)[number];

// A matrix has cohorts x periods cells; 90 daily or 52 weekly cohorts is a quarter or a year,
// the longest view a retention chart is read at, and keeps the answer a few thousand cells.
export const MAX_COHORTS: Readonly<Record<CohortUnit, number>> = { day: 90, week: 52 };
export const DEFAULT_RANGE_BY_UNIT: Readonly<Record<CohortUnit, string>> = { day: '14d', week: '8w' };

export interface RetentionRequest {
  appId: string;
  range: TimeRange;
  cohort: CohortUnit;
}

export interface Cohort {
  /** The cohort's first local date, YYYY-MM-DD in the app time zone. */
  cohort: string;
  /** Visitors first seen in this day or week. */
  size: number;
  /** retained[k]: cohort visitors active k periods after their cohort (retained[0] = size). */
  retained: number[];
  /** retained[k] / size (0 for an empty cohort). */
  rates: number[];
}

export interface Retention {
  range: { start: string; end: string; timeZone: string };
  cohort: CohortUnit;
  cohorts: Cohort[];
  sources: { matrix: string };
}

const localDate = (instantMs: number, timeZone: string) => {
  const wall = wallClock(instantMs, timeZone);
  return `${wall.year}-${String(wall.month).padStart(2, '0')}-${String(wall.day).padStart(2, '0')}`;
};

/** The cohort starts of a range, or undefined when there are more than allowed. */
export function cohortStarts(range: TimeRange, unit: CohortUnit): number[] | undefined {
  const starts = unitStarts(range.from, range.to, unit, range.timeZone);
  return starts.length > MAX_COHORTS[unit] ? undefined : starts;
}

export async function queryRetention(
  ch: ClickHouse,
  request: RetentionRequest,
  starts: readonly number[],
): Promise<Retention> {
  const { range, cohort } = request;
  const truncate = cohort === 'day' ? 'toDate' : 'toMonday';
  const rows = await runQuery<{ cohort: string; period: string | number; users: string }>(
    ch,
    `SELECT toString(cohort) AS cohort, period, count() AS users FROM (
         SELECT f.cohort AS cohort, intDiv(dateDiff('day', f.cohort, a.active), {periodDays:UInt8}) AS period
         FROM (
             SELECT DISTINCT visitor_id AS visitor, ${truncate}(ts, {tz:String}) AS active
             FROM events
             WHERE app_id = {app:UUID} AND ts >= {from:${INSTANT}} AND ts < {to:${INSTANT}} AND visitor_id != ''
         ) AS a
         INNER JOIN (
             SELECT visitor_id AS visitor, ${truncate}(min(ts), {tz:String}) AS cohort
             FROM events
             WHERE app_id = {app:UUID} AND ts < {to:${INSTANT}} AND visitor_id != ''
             GROUP BY visitor
             HAVING min(ts) >= {from:${INSTANT}}
         ) AS f ON a.visitor = f.visitor
     )
     GROUP BY cohort, period`,
    {
      app: request.appId,
      from: instantParam(range.from),
      to: instantParam(range.to),
      tz: range.timeZone,
      periodDays: cohort === 'day' ? 1 : 7,
    },
  );
  const cells = new Map(rows.map((row) => [`${row.cohort}/${Number(row.period)}`, num(row.users)]));
  return {
    range: rangeAnswer(range),
    cohort,
    cohorts: starts.map((start, index) => {
      const date = localDate(start, range.timeZone);
      // The last cohort can only be seen in its own period; each earlier one in one more.
      const periods = starts.length - index;
      const retained = Array.from({ length: periods }, (_, period) => cells.get(`${date}/${period}`) ?? 0);
      const size = retained[0] ?? 0;
      return {
        cohort: date,
        size,
        retained,
        rates: retained.map((users) => (size === 0 ? 0 : users / size)),
      };
    }),
    sources: { matrix: 'events: first-seen times need each visitor’s history, which no rollup keeps' },
  };
}
