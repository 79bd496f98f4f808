// The snippet's config, as the tracker reads it. The shape is render-snippet.ts's TrackerConfig;
// the values are read defensively because a hand-edited snippet can hold anything.
import type { TrackerConfig, TrackerMetric } from '../../../control-plane/snippet/render-snippet.ts';

export type { TrackerConfig, TrackerMetric };
export type MetricType = TrackerMetric['type'];

/** Where the snippet puts the config (CONFIG_ELEMENT_ID in render-snippet.ts) when no data-config says. */
export const DEFAULT_CONFIG_ID = 'clickstream-config';
/** Equal to BROWSER_KEY_PLACEHOLDER in render-snippet.ts (config.test.ts keeps them equal). */
export const KEY_PLACEHOLDER = 'REPLACE_WITH_BROWSER_KEY';

/** The usable config, or undefined when there is no real key or ingest URL (then nothing is sent). */
export function readConfig(raw: unknown): TrackerConfig | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const config = raw as Partial<TrackerConfig>;
  const { apiKey, ingestUrl, metrics } = config;
  if (typeof apiKey !== 'string' || !apiKey || apiKey === KEY_PLACEHOLDER || typeof ingestUrl !== 'string') {
    return undefined;
  }
  return {
    apiKey,
    ingestUrl: ingestUrl.replace(/\/+$/, ''),
    // Only an explicit false ignores Do Not Track: when in doubt, respect the visitor.
    respectDnt: config.respectDnt !== false,
    metrics: Array.isArray(metrics)
      ? metrics.filter((metric) => metric && typeof metric.name === 'string' && metric.track)
      : [],
  };
}

/** The strings of a config list; anything else (false, a typo'd value) means none. */
export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Scroll thresholds in percent; `true` is resolved by the server, so here it means none. */
export function scrollThresholds(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((item): item is number => typeof item === 'number') : [];
}
