// The dashboard's first screen for one app: headline numbers, top pages and referrers, and
// browser/OS/device/country breakdowns, each beside the previous period of the same length.
// Four statements (totals, page-view lists, breakdowns, sessions) that each read the current and
// the previous period in one pass with -If combinators, so the page costs four rollup reads.
//
// Definitions: sessions, bounce rate and average duration are about sessions that started in
// the period (a session runs to its last event, even past the period's end); a bounce is a
// session with a single event. Top pages and referrers count page views; '' is "no referrer".
import type { ClickHouse } from '../../clickhouse/index.ts';
import { type BreakdownRow, queryBreakdown } from '../breakdown/index.ts';
import { INSTANT, instantParam, num, rangeAnswer, runQuery } from '../execution/index.ts';
import { planEventCounts, planSessions, type SourcePreference } from '../planner/index.ts';
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

function totalsSql(rollup: boolean): string {
  const time = rollup ? 'hour' : 'ts';
  const current = `${time} >= {from:${INSTANT}}`;
  const before = `${time} < {from:${INSTANT}}`;
  const pageview = "event_type = 'pageview'";
  const columns = rollup
    ? (when: string) => [
        `sumIf(event_count, ${when})`,
        `sumIf(event_count, ${when} AND ${pageview})`,
        `uniqCombined64MergeIf(unique_visitors, ${when})`,
      ]
    : (when: string) => [
        `countIf(${when})`,
        `countIf(${when} AND ${pageview})`,
        `uniqCombined64If(visitor_id, visitor_id != '' AND ${when})`,
      ];
  const [events, pageviews, visitors] = columns(current);
  const [prevEvents, prevPageviews, prevVisitors] = columns(before);
  return `SELECT ${events} AS events, ${pageviews} AS pageviews, ${visitors} AS visitors,
                 ${prevEvents} AS prev_events, ${prevPageviews} AS prev_pageviews, ${prevVisitors} AS prev_visitors
          FROM ${rollup ? 'events_hourly' : 'events'}
          WHERE app_id = {app:UUID} AND ${time} >= {scanFrom:${INSTANT}} AND ${time} < {to:${INSTANT}}`;
}

/**
 * Sessions that started in [scanFrom, to), one row each. A session's rows (rollup parts, or raw
 * events) can lie on both sides of scanFrom, so rows cannot simply be filtered by time: the
 * candidates are the sessions with a start (or an event) inside the window, and each candidate
 * is then aggregated over all of its rows, so one that really began earlier is left out.
 */
function sessionsSql(rollup: boolean): string {
  const window = `>= {scanFrom:${INSTANT}} AND`;
  const perSession = rollup
    ? `SELECT session_id, min(started_at) AS started, sum(event_count) AS events,
              toUnixTimestamp64Milli(max(ended_at)) - toUnixTimestamp64Milli(min(started_at)) AS duration_ms
       FROM sessions
       WHERE app_id = {app:UUID} AND session_id IN (
           SELECT session_id FROM sessions
           WHERE app_id = {app:UUID} AND started_at ${window} started_at < {to:${INSTANT}})
       GROUP BY session_id HAVING started ${window} started < {to:${INSTANT}}`
    : `SELECT session_id, min(ts) AS started, count() AS events,
              toUnixTimestamp64Milli(max(ts)) - toUnixTimestamp64Milli(min(ts)) AS duration_ms
       FROM events
       WHERE app_id = {app:UUID} AND session_id IN (
           SELECT session_id FROM events
           WHERE app_id = {app:UUID} AND session_id != '' AND ts ${window} ts < {to:${INSTANT}})
       GROUP BY session_id HAVING started ${window} started < {to:${INSTANT}}`;
  const current = `started >= {from:${INSTANT}}`;
  const before = `started < {from:${INSTANT}}`;
  return `SELECT countIf(${current}) AS sessions, countIf(${current} AND events = 1) AS bounces,
                 sumIf(duration_ms, ${current}) AS total_ms,
                 countIf(${before}) AS prev_sessions, countIf(${before} AND events = 1) AS prev_bounces,
                 sumIf(duration_ms, ${before}) AS prev_total_ms
          FROM (${perSession})`;
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
  };
  const totalsPlan = planEventCounts(scan, 'none', prefer);
  const sessionsPlan = planSessions(prefer);
  // Independent statements: a server runs them side by side (the embedded engine queues them).
  const [[totals], pages, dims, [sessions]] = await Promise.all([
    runQuery<TotalsRow>(ch, totalsSql(totalsPlan.rollup), params),
    queryBreakdown(
      ch,
      {
        appId,
        range,
        previous,
        dimensions: [{ name: 'path' }, { name: 'referrer' }],
        eventType: 'pageview',
        limit: OVERVIEW_TOP_LIMIT,
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
      },
      prefer,
    ),
    runQuery<SessionsRow>(ch, sessionsSql(sessionsPlan.rollup), params),
  ]);

  const sessionCount = num(sessions?.sessions);
  const prevSessionCount = num(sessions?.prev_sessions);
  return {
    range: rangeAnswer(range),
    previousRange: rangeAnswer(previous),
    metrics: {
      events: { current: num(totals?.events), previous: num(totals?.prev_events) },
      pageviews: { current: num(totals?.pageviews), previous: num(totals?.prev_pageviews) },
      uniqueUsers: { current: num(totals?.visitors), previous: num(totals?.prev_visitors) },
      sessions: { current: sessionCount, previous: prevSessionCount },
      bounceRate: {
        current: ratio(num(sessions?.bounces), sessionCount),
        previous: ratio(num(sessions?.prev_bounces), prevSessionCount),
      },
      avgSessionDurationSeconds: {
        current: ratio(num(sessions?.total_ms), sessionCount) / 1000,
        previous: ratio(num(sessions?.prev_total_ms), prevSessionCount) / 1000,
      },
    },
    topPages: pages.rows.get('path') ?? [],
    topReferrers: pages.rows.get('referrer') ?? [],
    browsers: dims.rows.get('browser') ?? [],
    os: dims.rows.get('os') ?? [],
    devices: dims.rows.get('device') ?? [],
    countries: dims.rows.get('country') ?? [],
    sources: {
      totals: `${totalsPlan.source}: ${totalsPlan.reason}`,
      pages: `${pages.plan.source}: ${pages.plan.reason}`,
      breakdowns: `${dims.plan.source}: ${dims.plan.reason}`,
      sessions: `${sessionsPlan.source}: ${sessionsPlan.reason}`,
    },
  };
}
