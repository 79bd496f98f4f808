// Metric samples against the app's metric configs, and accepted samples as `metric_samples`
// rows. A sample is only stored for a configured, enabled metric with allowed labels, so one
// misbehaving client cannot create unbounded series.
import { ok, type Result, reject } from './result.ts';
import type { MetricSample } from './schemas.ts';
import { eventTime, formatDateTime64, readTimestamp } from './time.ts';
import type { BatchEnvelope, MetricConfigLike, MetricRow, PipelineContext } from './types.ts';

/** Configs by name, built once per app config change rather than per request. */
export function indexMetricConfigs(
  configs: readonly MetricConfigLike[],
): ReadonlyMap<string, MetricConfigLike> {
  return new Map(configs.map((config) => [config.name, config]));
}

/**
 * The config a schema-valid sample belongs to, or why the sample cannot be stored: unknown or
 * disabled metric, a stated type that differs from the config's, a label the config does not
 * name, a non-finite value, or a negative counter increment (counters only go up).
 */
export function checkMetricSample(
  sample: MetricSample,
  configsByName: ReadonlyMap<string, MetricConfigLike>,
): Result<MetricConfigLike> {
  const config = configsByName.get(sample.name);
  if (config === undefined) return reject('unknown_metric', `No metric named "${sample.name}" is configured`);
  if (!config.enabled) return reject('metric_disabled', `The metric "${sample.name}" is disabled`);
  if (sample.type !== undefined && sample.type !== null && sample.type !== config.type) {
    return reject(
      'metric_type_mismatch',
      `The metric "${sample.name}" is a ${config.type}, but the sample says ${sample.type}`,
    );
  }
  if (sample.labels) {
    for (const label of Object.keys(sample.labels)) {
      if (!config.labelNames.includes(label)) {
        const allowed = config.labelNames.length === 0 ? 'none' : config.labelNames.join(', ');
        return reject(
          'label_not_allowed',
          `The label "${label}" is not configured for "${sample.name}" (allowed: ${allowed})`,
        );
      }
    }
  }
  if (!Number.isFinite(sample.value)) return reject('non_finite_value', 'value must be a finite number');
  if (config.type === 'counter' && sample.value < 0) {
    return reject('negative_counter_increment', 'A counter sample is an increment and must not be negative');
  }
  return ok(config);
}

/**
 * A checked sample as a `metric_samples` row. A histogram sample is one observation and carries
 * the config's bucket bounds, so the per-minute rollup can bucket it without the config. The
 * sample's time is skew-corrected and clamped like an event's; without one it is the receive time.
 */
export function toMetricRow(
  sample: MetricSample,
  config: MetricConfigLike,
  ctx: PipelineContext,
  envelope: BatchEnvelope = {},
): MetricRow {
  const ts = eventTime(readTimestamp(sample.timestamp), readTimestamp(envelope.sentAt), ctx.receivedAt);
  return {
    app_id: ctx.appId,
    name: config.name,
    type: config.type,
    labels: sample.labels ?? {},
    value: sample.value,
    ts: formatDateTime64(ts),
    received_at: formatDateTime64(ctx.receivedAt),
    bucket_bounds: config.type === 'histogram' && config.buckets ? [...config.buckets] : [],
    retention_days: ctx.retentionDays,
  };
}
