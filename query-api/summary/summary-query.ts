// Totals for a range: events, unique users and sessions overall and per event type (hourly
// rollup when the range falls on UTC hours), plus device, browser and OS breakdowns (daily rollup
// when the range falls on UTC days). "Sessions" here counts sessions with any event in the range.
import type { ClickHouse } from '../../clickhouse/index.ts';
import { type BreakdownRow, queryBreakdown } from '../breakdown/index.ts';
import { INSTANT, instantParam, num, RAW, ROLLUP, rangeAnswer, runQuery } from '../execution/index.ts';
import { type Dimension, describePlan, planEventCounts, type SourcePreference } from '../planner/index.ts';
import type { TimeRange } from '../time-range/index.ts';

// Device, browser and OS lists are short by nature; ten plus "other" covers them on one screen.
export const SUMMARY_BREAKDOWN_LIMIT = 10;

export interface SummaryRequest {
  appId: string;
  range: TimeRange;
  eventType?: string | undefined;
}

export interface TypeTotals {
  eventType: string;
  events: number;
  uniqueUsers: number;
  sessions: number;
}

export interface Summary {
  range: { start: string; end: string; timeZone: string };
  totals: { events: number; uniqueUsers: number; sessions: number };
  eventTypes: TypeTotals[];
  devices: BreakdownRow[];
  browsers: BreakdownRow[];
  os: BreakdownRow[];
  sources: { totals: string; breakdowns: string };
}

interface TotalsRow {
  total: number | string;
  event_type: string;
  events: string;
  visitors: string;
  sessions: string;
}

const BREAKDOWNS: Readonly<Record<'devices' | 'browsers' | 'os', Dimension>> = {
  devices: { name: 'device' },
  browsers: { name: 'browser' },
  os: { name: 'os' },
};

export async function querySummary(
  ch: ClickHouse,
  request: SummaryRequest,
  prefer: SourcePreference = 'auto',
): Promise<Summary> {
  const { range, eventType } = request;
  const plan = planEventCounts(range, 'none', prefer);
  const { rollup } = plan;
  const count = rollup ? ROLLUP : RAW;
  const time = rollup ? 'hour' : 'ts';
  const totalsQuery = runQuery<TotalsRow>(
    ch,
    `SELECT grouping(event_type) AS total, event_type, ${count.events} AS events,
            ${count.visitors} AS visitors, ${count.sessions} AS sessions
     FROM ${plan.source}
     WHERE app_id = {app:UUID} AND ${time} >= {from:${INSTANT}} AND ${time} < {to:${INSTANT}}
       ${eventType === undefined ? '' : 'AND event_type = {eventType:String}'}
     GROUP BY GROUPING SETS ((event_type), ())
     ORDER BY total DESC, events DESC, event_type`,
    {
      app: request.appId,
      from: instantParam(range.from),
      to: instantParam(range.to),
      ...(eventType === undefined ? {} : { eventType }),
    },
  );
  const breakdownQuery = queryBreakdown(
    ch,
    {
      appId: request.appId,
      range,
      dimensions: Object.values(BREAKDOWNS),
      eventType,
      limit: SUMMARY_BREAKDOWN_LIMIT,
    },
    prefer,
  );
  // Independent statements: a server runs them side by side (the embedded engine queues them).
  const [rows, breakdown] = await Promise.all([totalsQuery, breakdownQuery]);
  const totalRow = rows.find((row) => Number(row.total) === 1);
  return {
    range: rangeAnswer(range),
    totals: {
      events: num(totalRow?.events),
      uniqueUsers: num(totalRow?.visitors),
      sessions: num(totalRow?.sessions),
    },
    eventTypes: rows
      .filter((row) => Number(row.total) === 0)
      .map((row) => ({
        eventType: row.event_type,
        events: num(row.events),
        uniqueUsers: num(row.visitors),
        sessions: num(row.sessions),
      })),
    devices: breakdown.rows.get('device') ?? [],
    browsers: breakdown.rows.get('browser') ?? [],
    os: breakdown.rows.get('os') ?? [],
    sources: {
      totals: describePlan(plan),
      breakdowns: describePlan(breakdown.plan),
    },
  };
}
