// Metric samples from the page: only for metrics the app configured, with the configured type,
// and only with the configured label names (others are dropped from the sample, not the sample
// itself, so a page passing extra context still counts).
import type { MetricType, TrackerMetric } from './config.ts';

/** The edge refuses longer label values (MAX_LABEL_VALUE_LENGTH in ingest/pipeline/schemas.ts). */
export const MAX_LABEL_VALUE_LENGTH = 1024;

export interface Sample {
  name: string;
  value: number;
  labels: Record<string, string>;
  timestamp: string;
}

/** Labels limited to the metric's label names; values become text, objects and empty values are dropped. */
export function pickLabels(labelNames: readonly string[], ...sources: unknown[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const source of sources) {
    if (!source || typeof source !== 'object') continue;
    for (const name of labelNames) {
      const value: unknown = (source as Record<string, unknown>)[name];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        const text = String(value).slice(0, MAX_LABEL_VALUE_LENGTH);
        if (text) labels[name] = text;
      }
    }
  }
  return labels;
}

/**
 * The sample for `value` observed on `metric` through a call of `type`, labelled from the sources
 * (later ones win), or undefined when it
 * would be refused: unknown metric, wrong type, a value that is not finite, or a negative
 * counter increment.
 */
export function buildSample(
  metric: TrackerMetric | undefined,
  type: MetricType,
  value: unknown,
  labelSources: readonly unknown[],
  now: number,
): Sample | undefined {
  if (!metric || metric.type !== type || typeof value !== 'number' || !Number.isFinite(value))
    return undefined;
  if (type === 'counter' && value < 0) return undefined;
  return {
    name: metric.name,
    value,
    labels: pickLabels(Array.isArray(metric.labelNames) ? metric.labelNames : [], ...labelSources),
    timestamp: new Date(now).toISOString(),
  };
}
