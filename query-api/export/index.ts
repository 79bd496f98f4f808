// GET /api/analytics/export: one app's raw events over a range as CSV, NDJSON or Parquet,
// streamed without buffering the answer. Read only, like all of query-api; never cached.
export {
  EXPORT_BLOCK_ROWS,
  EXPORT_COLUMNS,
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportRequest,
  exportSql,
  MAX_EXPORT_ROWS,
  streamExport,
} from './export-events.ts';
export { exportRoutes } from './routes.ts';
