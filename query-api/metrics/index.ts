// Custom metrics reads: GET /api/analytics/metrics/:name/series (from the per-minute rollup, or
// raw samples for sub-minute steps) and GET /api/analytics/metrics/prometheus (text exposition
// for scrapers). Read only, like all of query-api; one app's series never appear in another's.
export { PROMETHEUS_CONTENT_TYPE, promNumber, queryExposition, renderExposition } from './prometheus.ts';
export { metricRoutes } from './routes.ts';
export {
  AGGREGATIONS,
  AGGREGATIONS_BY_TYPE,
  type Aggregation,
  MAX_SERIES,
  MAX_SERIES_POINTS,
  type MetricSeries,
  type MetricType,
  metricType,
  parseLabelFilter,
  parseStep,
  queryMetricSeries,
  type SeriesRequest,
} from './series-query.ts';
