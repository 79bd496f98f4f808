// Every analytics statement goes through here: values bound as server-side parameters, the
// execution limits applied as per-query settings, and engine failures the client can act on
// (too slow, too many rows) turned into clear 400s instead of 500s.
import type { ClickHouse, QueryParams, QuerySettings } from '../../clickhouse/index.ts';
import { ClickHouseError } from '../../clickhouse/index.ts';
import { badRequest, serviceUnavailable } from '../../runtime/errors/index.ts';

// Interactive answers: a dashboard that waits longer than this is broken anyway, and a query
// this slow on a rollup means the range or dimension is too wide for the raw path.
export const MAX_EXECUTION_SECONDS = 10;
// Exports stream millions of rows on purpose; ten minutes bounds a forgotten download.
export const EXPORT_MAX_EXECUTION_SECONDS = 600;
// No endpoint returns more rows than this in one answer (the largest is a 2,000-bucket timeline
// or a retention matrix); hitting it means a bug or an abusive query, never a legitimate one.
export const MAX_RESULT_ROWS = 100_000;

/** Settings on every analytics statement. readonly = 2: the query API can never write. */
export function querySettings(maxExecutionSeconds = MAX_EXECUTION_SECONDS): QuerySettings {
  return {
    readonly: 2,
    max_execution_time: maxExecutionSeconds,
    max_result_rows: MAX_RESULT_ROWS,
    result_overflow_mode: 'throw',
  };
}

/** Runs one SELECT with bound params and the standard limits. */
export async function runQuery<T>(ch: ClickHouse, sql: string, params: QueryParams): Promise<T[]> {
  try {
    return await ch.query<T>(sql, { params, settings: querySettings() });
  } catch (error) {
    throw mapEngineError(error);
  }
}

/** What a client sees for an engine failure; anything unexpected stays an internal error. */
export function mapEngineError(error: unknown): unknown {
  if (!(error instanceof ClickHouseError)) return error;
  if (error.unavailable)
    return serviceUnavailable('clickhouse_unavailable', 'The analytics store is unavailable');
  if (error.type === 'TIMEOUT_EXCEEDED') {
    return badRequest(
      'query_too_expensive',
      `The query ran longer than its time limit; narrow the time range or the filters`,
    );
  }
  if (error.type === 'TOO_MANY_ROWS_OR_BYTES' || error.type === 'TOO_MANY_ROWS') {
    return badRequest('too_many_rows', `The answer would exceed ${MAX_RESULT_ROWS} rows; narrow the query`);
  }
  return error;
}
