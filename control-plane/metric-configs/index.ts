// Metric configs: per-app Prometheus-style metric definitions (name, type, labels, buckets) and
// what the browser tracker records for each. Always owner-scoped (another owner's config is a
// 404); never accepts a config the ingest edge or ClickHouse rollups could not represent.
export { listEnabledMetricConfigs } from './repository.ts';
export { metricConfigRoutes } from './routes.ts';
export {
  checkMetricConfig,
  DEFAULT_BUCKETS,
  DEFAULT_SCROLL_THRESHOLDS,
  type MetricConfigCheck,
  type MetricConfigDraft,
  type NormalizedMetricConfig,
} from './rules.ts';
export {
  MAX_METRIC_CONFIGS_PER_APP,
  METRIC_TYPES,
  MetricConfig,
  MetricConfigCreate,
  MetricConfigReplace,
  type MetricType,
  Track,
} from './schemas.ts';
