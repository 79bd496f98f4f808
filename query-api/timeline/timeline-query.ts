// Events, unique users and sessions per time bucket, buckets cut in the app's time zone and
// zero-filled, so a chart gets one point per minute, hour, day, week (from Monday) or month even
// where nothing happened. Unique users are distinct per bucket (a user active on two days counts
// on both). The hourly rollup answers whenever the planner says bucket edges fall on UTC hours.
import type { ClickHouse } from '../../clickhouse/index.ts';
import {
  bucketStartSeconds,
  INSTANT,
  instantParam,
  num,
  RAW,
  ROLLUP,
  rangeAnswer,
  runQuery,
} from '../execution/index.ts';
import { describePlan, planEventCounts, type SourcePreference } from '../planner/index.ts';
import { type CalendarUnit, formatInZone, type TimeRange, unitStarts } from '../time-range/index.ts';

export const INTERVALS = [
  'minute',
  'hour',
  'day',
  'week',
  'month',
] as const satisfies readonly CalendarUnit[];
export type Interval = (typeof INTERVALS)[number];

// A chart has at most a few thousand pixels across; more buckets than this cannot be drawn and
// only make the query and the answer heavy (a day of minutes, or 83 days of hours, still fit).
export const MAX_TIMELINE_BUCKETS = 2_000;

export interface TimelineRequest {
  appId: string;
  range: TimeRange;
  interval: Interval;
  eventType?: string | undefined;
}

export interface TimelineBucket {
  /** The bucket's first instant, RFC 3339 with the app's offset (so it also reads as local time). */
  start: string;
  events: number;
  uniqueUsers: number;
  sessions: number;
}

export interface Timeline {
  range: { start: string; end: string; timeZone: string };
  interval: Interval;
  buckets: TimelineBucket[];
  sources: { buckets: string };
}

interface Row {
  bucket: string | number;
  events: string;
  visitors: string;
  sessions: string;
}

/** The bucket starts of a timeline, or undefined when there would be more than the limit. */
export function timelineBuckets(range: TimeRange, interval: Interval): number[] | undefined {
  const starts: number[] = [];
  for (const start of unitStarts(range.from, range.to, interval, range.timeZone)) {
    starts.push(start);
    if (starts.length > MAX_TIMELINE_BUCKETS) return undefined;
  }
  return starts;
}

export async function queryTimeline(
  ch: ClickHouse,
  request: TimelineRequest,
  buckets: readonly number[],
  prefer: SourcePreference = 'auto',
): Promise<Timeline> {
  const { range, interval, eventType } = request;
  const plan = planEventCounts(range, interval, prefer);
  const { rollup } = plan;
  const count = rollup ? ROLLUP : RAW;
  const time = rollup ? 'hour' : 'ts';
  const rows = await runQuery<Row>(
    ch,
    `SELECT ${bucketStartSeconds(interval, time)} AS bucket, ${count.events} AS events,
            ${count.visitors} AS visitors, ${count.sessions} AS sessions
     FROM ${plan.source}
     WHERE app_id = {app:UUID} AND ${time} >= {from:${INSTANT}} AND ${time} < {to:${INSTANT}}
       ${eventType === undefined ? '' : 'AND event_type = {eventType:String}'}
     GROUP BY bucket`,
    {
      app: request.appId,
      from: instantParam(range.from),
      to: instantParam(range.to),
      tz: range.timeZone,
      ...(eventType === undefined ? {} : { eventType }),
    },
  );
  const bySecond = new Map(rows.map((row) => [Number(row.bucket), row]));
  return {
    range: rangeAnswer(range),
    interval,
    buckets: buckets.map((start) => {
      const row = bySecond.get(start / 1000);
      return {
        start: formatInZone(start, range.timeZone),
        events: num(row?.events),
        uniqueUsers: num(row?.visitors),
        sessions: num(row?.sessions),
      };
    }),
    sources: { buckets: describePlan(plan) },
  };
}
