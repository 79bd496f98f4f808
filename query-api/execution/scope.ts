// The first steps of every analytics route, in order: which app (404 unless the caller may read
// it), then the time range in that app's zone (400 when invalid or too long).
import type { Context } from 'hono';
import { type AppContext, principalOf, resolveApp } from '../auth/index.ts';
import type { QueryApiDeps } from '../deps.ts';
import { formatInZone, type RangeInput, resolveRange, type TimeRange } from '../time-range/index.ts';
import { orBadRequest } from './result.ts';

export interface Scope {
  app: AppContext;
  range: TimeRange;
}

export async function readerScope(
  deps: QueryApiDeps,
  c: Context,
  appId: string,
  input: RangeInput,
  options: { maxRangeMs?: number } = {},
): Promise<Scope> {
  const app = await resolveApp(deps, principalOf(c), appId);
  const range = orBadRequest(resolveRange(input, app.timeZone, deps.now(), options));
  return { app, range };
}

/** The range as answers show it: RFC 3339 instants with the app's offset. */
export function rangeAnswer(range: TimeRange): { start: string; end: string; timeZone: string } {
  return {
    start: formatInZone(range.from, range.timeZone),
    end: formatInZone(range.to, range.timeZone),
    timeZone: range.timeZone,
  };
}
