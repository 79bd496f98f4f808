// How analytics statements run and answers go out: execution limits (max_execution_time, result
// rows, readonly), engine errors mapped to clear client errors, shared SQL fragments and schemas,
// results as values, and the cached response step. It must never build SQL from request values:
// those are bound as parameters.
export { type CachedResponseOptions, cachedJson, cachedResponse } from './respond.ts';
export { ok, orBadRequest, type Result, reject, rejectionError } from './result.ts';
export {
  EXPORT_MAX_EXECUTION_SECONDS,
  MAX_EXECUTION_SECONDS,
  MAX_RESULT_ROWS,
  mapEngineError,
  querySettings,
  runQuery,
} from './run-query.ts';
export {
  AppId,
  BreakdownRow,
  Counts,
  ErrorResponse,
  EventTypeFilter,
  MAX_FILTER_VALUE_LENGTH,
  Range,
  rangeQuery,
  Sources,
  standardResponses,
} from './schemas.ts';
export { rangeAnswer, readerScope, type Scope } from './scope.ts';
export { bucketStartSeconds, dayParam, INSTANT, instantParam, num, RAW, ROLLUP } from './sql.ts';
