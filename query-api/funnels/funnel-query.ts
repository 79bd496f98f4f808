// Ordered funnels with ClickHouse's windowFunnel: per visitor, the furthest step reached with
// every step after the previous one and the whole chain inside the conversion window (measured
// from the first step; events at the same millisecond count as in order, and one event that
// matches two consecutive steps meets both). Counts are exact distinct visitors. Raw table only:
// funnels need each visitor's sequence.
import type { ClickHouse } from '../../clickhouse/index.ts';
import {
  INSTANT,
  instantParam,
  num,
  ok,
  type Result,
  rangeAnswer,
  reject,
  runQuery,
} from '../execution/index.ts';
import type { TimeRange } from '../time-range/index.ts';

// windowFunnel tracks one timestamp per step and visitor; ten steps is past any funnel a person
// reads, and keeps the per-visitor state small on a busy app.
export const MAX_FUNNEL_STEPS = 10;
export const MIN_FUNNEL_STEPS = 2;
// A conversion window longer than the longest range makes no sense; a month covers trials.
export const MAX_WINDOW_SECONDS = 30 * 86_400;
export const DEFAULT_WINDOW = '1d';
export const STEP_FIELDS = ['type', 'name', 'path'] as const;
export type StepField = (typeof STEP_FIELDS)[number] | 'any';

export interface FunnelStep {
  /** type: event_type; name: event name; path: page path; any: event type or name. */
  field: StepField;
  value: string;
}

export interface FunnelRequest {
  appId: string;
  range: TimeRange;
  steps: readonly FunnelStep[];
  windowSeconds: number;
}

export interface FunnelAnswer {
  range: { start: string; end: string; timeZone: string };
  windowSeconds: number;
  steps: {
    step: number;
    field: StepField;
    value: string;
    users: number;
    /** users / users of the step before (1 for the first step with users, 0 when none). */
    conversionFromPrevious: number;
    conversionFromStart: number;
  }[];
  sources: { steps: string };
}

const WINDOW = /^(\d{1,7})([smhd])$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };
export const WINDOW_PATTERN = '^\\d{1,7}[smhd]$';

/** "30m", "2h", "7d" as seconds, within the allowed window. */
export function parseWindow(text: string): Result<number> {
  const match = WINDOW.exec(text);
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2] ?? 's'] ?? 1) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > MAX_WINDOW_SECONDS) {
    return reject(
      'invalid_window',
      `window must be between 1s and ${MAX_WINDOW_SECONDS / 86_400}d, like 30m, 2h or 7d`,
    );
  }
  return ok(seconds);
}

/** "type:pageview", "name:purchase", "path:/pricing", or a bare event type or name. */
export function parseStep(text: string): FunnelStep {
  const colon = text.indexOf(':');
  const prefix = colon > 0 ? text.slice(0, colon) : '';
  if ((STEP_FIELDS as readonly string[]).includes(prefix)) {
    return { field: prefix as StepField, value: text.slice(colon + 1) };
  }
  return { field: 'any', value: text };
}

function stepCondition(step: FunnelStep, index: number): string {
  const value = `{step${index}:String}`;
  switch (step.field) {
    case 'type':
      return `event_type = ${value}`;
    case 'name':
      return `name = ${value}`;
    case 'path':
      return `path = ${value}`;
    case 'any':
      return `(event_type = ${value} OR name = ${value})`;
  }
}

export async function queryFunnel(ch: ClickHouse, request: FunnelRequest): Promise<FunnelAnswer> {
  const { range, steps } = request;
  const conditions = steps.map(stepCondition);
  const params: Record<string, unknown> = {
    app: request.appId,
    from: instantParam(range.from),
    to: instantParam(range.to),
    windowMs: request.windowSeconds * 1000,
  };
  for (const [index, step] of steps.entries()) params[`step${index}`] = step.value;
  const rows = await runQuery<{ level: string | number; users: string }>(
    ch,
    `SELECT level, count() AS users FROM (
         SELECT visitor_id AS visitor,
                windowFunnel({windowMs:UInt64})(toUInt64(toUnixTimestamp64Milli(ts)), ${conditions.join(', ')}) AS level
         FROM events
         WHERE app_id = {app:UUID} AND ts >= {from:${INSTANT}} AND ts < {to:${INSTANT}}
           AND visitor_id != '' AND (${conditions.join(' OR ')})
         GROUP BY visitor
     )
     WHERE level > 0
     GROUP BY level`,
    params,
  );
  const reached = new Map(rows.map((row) => [Number(row.level), num(row.users)]));
  const counts = steps.map((_, index) => {
    let users = 0;
    for (const [level, count] of reached) if (level >= index + 1) users += count;
    return users;
  });
  const first = counts[0] ?? 0;
  return {
    range: rangeAnswer(range),
    windowSeconds: request.windowSeconds,
    steps: steps.map((step, index) => {
      const users = counts[index] ?? 0;
      const before = index === 0 ? users : (counts[index - 1] ?? 0);
      return {
        step: index + 1,
        field: step.field,
        value: step.value,
        users,
        conversionFromPrevious: before === 0 ? 0 : users / before,
        conversionFromStart: first === 0 ? 0 : users / first,
      };
    }),
    sources: { steps: 'events: funnels need each visitor’s event sequence, which no rollup keeps' },
  };
}
