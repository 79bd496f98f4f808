// The dashboard's first screen for one app: headline numbers, top pages and referrers, and
// browser/OS/device/country breakdowns, each beside the previous period of the same length.
// Four statements (totals, page-view lists, breakdowns, sessions) that each read the current and
// the previous period in one pass with -If combinators, so the page costs four rollup reads.
//
// Definitions: a session is a session id's events within one UTC day (a session that runs past
// midnight counts once per day it touches, as sessions_daily stores it). Sessions, bounce rate
// and average duration are about sessions that started in the period (a session runs to its
// last event, even past the period's end); a bounce is a session with a single event. Top pages
// and referrers count page views; '' is "no referrer". The lists are top lists without an
// "other" row (the breakdown endpoint has it), so only the listed values' visitors are counted.
import type { ClickHouse } from '../../clickhouse/index.ts';
import { type BreakdownRow, queryBreakdown } from '../breakdown/index.ts';
import { dayParam, INSTANT, instantParam, num, rangeAnswer, runQuery } from '../execution/index.ts';
import {
  describePlan,
  planSessions,
  planTotals,
  type SessionPlan,
  type SourcePreference,
} from '../planner/index.ts';
import { previousPeriod, type TimeRange } from '../time-range/index.ts';

// One screen of each list; the breakdown endpoint serves longer ones.
export const OVERVIEW_TOP_LIMIT = 10;

export interface OverviewRequest {
  appId: string;
  range: TimeRange;
}

export interface Compared {
  current: number;
  previous: number;
}

export interface Overview {
  range: { start: string; end: string; timeZone: string };
  previousRange: { start: string; end: string; timeZone: string };
  metrics: {
    events: Compared;
    pageviews: Compared;
    uniqueUsers: Compared;
    sessions: Compared;
    /** Share of sessions with a single event, 0..1 (0 when there were no sessions). */
    bounceRate: Compared;
    avgSessionDurationSeconds: Compared;
  };
  topPages: BreakdownRow[];
  topReferrers: BreakdownRow[];
  browsers: BreakdownRow[];
  os: BreakdownRow[];
  devices: BreakdownRow[];
  countries: BreakdownRow[];
  sources: Record<string, string>;
}

interface TotalsRow {
  events: string;
  pageviews: string;
  visitors: string;
  prev_events: string;
  prev_pageviews: string;
  prev_visitors: string;
}

interface SessionsRow {
  sessions: string;
  bounces: string;
  total_ms: string;
  prev_sessions: string;
  prev_bounces: string;
  prev_total_ms: string;
}

/** Per totals source: its time column, the bound start/split/end of the scan in that column's type, and its counts. */
const TOTALS: Record<
  'events_daily' | 'events_hourly' | 'events',
  { time: string; start: string; split: string; end: string; columns: (when: string) => string[] }
> = {
  events: {
    time: 'ts',
    start: `{scanFrom:${INSTANT}}`,
    split: `{from:${INSTANT}}`,
    end: `{to:${INSTANT}}`,
    columns: (when) => [
      `countIf(${when})`,
      `countIf(${when} AND event_type = 'pageview')`,
      `uniqCombined64If(visitor_id, visitor_id != '' AND ${when})`,
    ],
  },
  events_hourly: {
    time: 'hour',
    start: `{scanFrom:${INSTANT}}`,
    split: `{from:${INSTANT}}`,
    end: `{to:${INSTANT}}`,
    columns: (when) => [
      `sumIf(event_count, ${when})`,
      `sumIf(event_count, ${when} AND event_type = 'pageview')`,
      `uniqCombined64MergeIf(unique_visitors, ${when})`,
    ],
  },
  events_daily: {
    time: 'day',
    start: '{scanFromDay:Date}',
    split: '{fromDay:Date}',
    end: '{toDay:Date}',
    columns: (when) => [
      `sumIf(event_count, ${when})`,
      `sumIf(events_daily.pageviews, ${when})`,
      `uniqCombined64MergeIf(unique_visitors, ${when})`,
    ],
  },
};

function totalsSql(source: keyof typeof TOTALS): string {
  const { time, start, split, end, columns } = TOTALS[source];
  const [events, pageviews, visitors] = columns(`${time} >= ${split}`);
  const [prevEvents, prevPageviews, prevVisitors] = columns(`${time} < ${split}`);
  return `SELECT ${events} AS events, ${pageviews} AS pageviews, ${visitors} AS visitors,
                 ${prevEvents} AS prev_events, ${prevPageviews} AS prev_pageviews, ${prevVisitors} AS prev_visitors
          FROM ${source}
          WHERE app_id = {app:UUID} AND ${time} >= ${start} AND ${time} < ${end}`;
}

/**
 * Sessions that started in [scanFrom, to): a session is a session id's events within one UTC
 * day. The rollup path takes whole days that no longer change from sessions_day_stats (one row
 * per day, used only while its event count equals the day's count in sessions_day_counts, see
 * migration 0010: SETTLED_SQL), and merges every other day of the range (today, days a late
 * event changed, days a period boundary cuts) from sessions_daily with FINAL, which merges a
 * session's partial rows across parts into its exact start, end and count. Two statements, the
 * second naming its days as a parameter: each day then comes from exactly one source, however
 * the tables move in between (one statement reading the settled set twice could see a day
 * settle, or go stale, between its two reads and count it twice or not at all), and neither
 * statement filters a table by a subquery over another, which a sharded cluster refuses. The raw
 * path groups the same days' events by the same day and session-id hash.
 */
const SESSION_TOTALS = `SELECT sumIf(n, current) AS sessions, sumIf(b, current) AS bounces, sumIf(ms, current) AS total_ms,
                 sumIf(n, NOT current) AS prev_sessions, sumIf(b, NOT current) AS prev_bounces,
                 sumIf(ms, NOT current) AS prev_total_ms`;

const SETTLED_SQL = `SELECT toString(stats.day) AS day, stats.sessions AS sessions, stats.bounces AS bounces,
       stats.total_ms AS total_ms
FROM (
    SELECT day, argMax(events, computed_at) AS events, argMax(sessions, computed_at) AS sessions,
           argMax(bounces, computed_at) AS bounces, argMax(total_ms, computed_at) AS total_ms
    FROM sessions_day_stats
    WHERE app_id = {app:UUID} AND day IN {wholeDays:Array(Date)}
    GROUP BY day
) AS stats
INNER JOIN (
    SELECT day, sum(events) AS events
    FROM sessions_day_counts
    WHERE app_id = {app:UUID} AND day IN {wholeDays:Array(Date)}
    GROUP BY day
) AS counts ON stats.day = counts.day AND stats.events = counts.events`;

function sessionsSql(rollup: boolean): string {
  const perSession = rollup
    ? `SELECT started_at AS started, event_count AS events,
              toUInt64(toUnixTimestamp64Milli(ended_at) - toUnixTimestamp64Milli(started_at)) AS duration_ms
       FROM sessions_daily FINAL
       WHERE app_id = {app:UUID} AND day IN {mergeDays:Array(Date)}
         AND started_at >= {scanFrom:${INSTANT}} AND started_at < {to:${INSTANT}}`
    : `SELECT min(ts) AS started, count() AS events,
              toUInt64(toUnixTimestamp64Milli(max(ts)) - toUnixTimestamp64Milli(min(ts))) AS duration_ms
       FROM events
       WHERE app_id = {app:UUID} AND session_id != ''
         AND toDate(ts) >= {scanFromDay:Date} AND toDate(ts) <= {lastDay:Date}
       GROUP BY toDate(ts), cityHash64(session_id)
       HAVING started >= {scanFrom:${INSTANT}} AND started < {to:${INSTANT}}`;
  return `${SESSION_TOTALS}
          FROM (
              SELECT started >= {from:${INSTANT}} AS current, 1 AS n, toUInt64(events = 1) AS b, duration_ms AS ms
              FROM (${perSession})
          )
          ${rollup ? 'SETTINGS do_not_merge_across_partitions_select_final = 1' : ''}`;
}

interface SettledDay {
  day: string;
  sessions: string;
  bounces: string;
  total_ms: string;
}

type SessionFigures = Record<keyof SessionsRow, number>;
const SETTLED_FIGURES = ['sessions', 'bounces', 'total_ms'] as const;

/** Settled days' figures plus the merged days' row, per period. */
async function querySessions(
  ch: ClickHouse,
  plan: SessionPlan,
  params: Record<string, unknown> & { fromDay: string },
): Promise<SessionFigures> {
  const days = plan.days;
  // A range without a whole day (today, a few hours) has no settled figures to look up.
  const settled =
    days && days.whole.length > 0
      ? await runQuery<SettledDay>(ch, SETTLED_SQL, { ...params, wholeDays: days.whole.map(dayParam) })
      : [];
  const settledDays = new Set(settled.map((row) => row.day));
  const mergeDays = days?.scan.map(dayParam).filter((day) => !settledDays.has(day)) ?? [];
  const [merged] =
    days && mergeDays.length === 0
      ? []
      : await runQuery<SessionsRow>(ch, sessionsSql(days !== undefined), { ...params, mergeDays });
  const figures: SessionFigures = {
    sessions: num(merged?.sessions),
    bounces: num(merged?.bounces),
    total_ms: num(merged?.total_ms),
    prev_sessions: num(merged?.prev_sessions),
    prev_bounces: num(merged?.prev_bounces),
    prev_total_ms: num(merged?.prev_total_ms),
  };
  for (const row of settled) {
    const current = row.day >= params.fromDay;
    for (const figure of SETTLED_FIGURES)
      figures[current ? figure : (`prev_${figure}` as const)] += num(row[figure]);
  }
  return figures;
}

const ratio = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

export async function queryOverview(
  ch: ClickHouse,
  request: OverviewRequest,
  prefer: SourcePreference = 'auto',
): Promise<Overview> {
  const { range, appId } = request;
  const previous = previousPeriod(range);
  const scan: TimeRange = { ...range, from: previous.from };
  const params = {
    app: appId,
    scanFrom: instantParam(scan.from),
    from: instantParam(range.from),
    to: instantParam(range.to),
    // UTC days: the daily rollups' grain (used only where the plan says the edges fall on them).
    scanFromDay: dayParam(scan.from),
    fromDay: dayParam(range.from),
    toDay: dayParam(range.to),
    lastDay: dayParam(range.to - 1),
  };
  const totalsPlan = planTotals(scan, range.from, prefer);
  const sessionsPlan = planSessions(scan, range.from, prefer);
  // Independent statements: a server runs them side by side (the embedded engine queues them).
  const [[totals], pages, dims, sessions] = await Promise.all([
    runQuery<TotalsRow>(ch, totalsSql(totalsPlan.source), params),
    queryBreakdown(
      ch,
      {
        appId,
        range,
        previous,
        dimensions: [{ name: 'path' }, { name: 'referrer' }],
        eventType: 'pageview',
        limit: OVERVIEW_TOP_LIMIT,
        withOther: false,
      },
      prefer,
    ),
    queryBreakdown(
      ch,
      {
        appId,
        range,
        previous,
        dimensions: [{ name: 'browser' }, { name: 'os' }, { name: 'device' }, { name: 'country' }],
        limit: OVERVIEW_TOP_LIMIT,
        withOther: false,
      },
      prefer,
    ),
    querySessions(ch, sessionsPlan, params),
  ]);

  return {
    range: rangeAnswer(range),
    previousRange: rangeAnswer(previous),
    metrics: {
      events: { current: num(totals?.events), previous: num(totals?.prev_events) },
      pageviews: { current: num(totals?.pageviews), previous: num(totals?.prev_pageviews) },
      uniqueUsers: { current: num(totals?.visitors), previous: num(totals?.prev_visitors) },
      sessions: { current: sessions.sessions, previous: sessions.prev_sessions },
      bounceRate: {
        current: ratio(sessions.bounces, sessions.sessions),
        previous: ratio(sessions.prev_bounces, sessions.prev_sessions),
      },
      avgSessionDurationSeconds: {
        current: ratio(sessions.total_ms, sessions.sessions) / 1000,
        previous: ratio(sessions.prev_total_ms, sessions.prev_sessions) / 1000,
      },
    },
    topPages: pages.rows.get('path') ?? [],
    topReferrers: pages.rows.get('referrer') ?? [],
    browsers: dims.rows.get('browser') ?? [],
    os: dims.rows.get('os') ?? [],
    devices: dims.rows.get('device') ?? [],
    countries: dims.rows.get('country') ?? [],
    sources: {
      totals: describePlan(totalsPlan),
      pages: describePlan(pages.plan),
      breakdowns: describePlan(dims.plan),
      sessions: describePlan(sessionsPlan),
    },
  };
}
