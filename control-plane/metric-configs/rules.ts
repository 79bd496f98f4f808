// Rules the JSON schema cannot express (they relate fields to each other or to Prometheus
// conventions), as one pure step: a schema-valid draft in, a normalized config or a field-level
// error list out. Convention advice comes back as warnings and never blocks saving.
import type { FieldIssue, MetricType, Track, TrackInput } from './schemas.ts';

/** Prometheus client libraries' default buckets (seconds), used when a histogram names none. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What `scrollDepth: true` means, in percent; resolved on the server so the SDK holds no defaults. */
export const DEFAULT_SCROLL_THRESHOLDS: readonly number[] = [25, 50, 75, 100];

// `le` carries a histogram's bucket bound; a user label with that name would collide with it.
const HISTOGRAM_RESERVED_LABEL = 'le';
// Prometheus reserves label names starting with `__` for internal use.
const RESERVED_LABEL_PREFIX = '__';
const COUNTER_SUFFIX = '_total';

export interface MetricConfigDraft {
  name: string;
  type: MetricType;
  help?: string | undefined;
  labelNames?: string[] | undefined;
  buckets?: number[] | null | undefined;
  track?: TrackInput | undefined;
  enabled?: boolean | undefined;
}

export interface NormalizedMetricConfig {
  name: string;
  type: MetricType;
  help: string;
  labelNames: string[];
  /** Histograms only; null for counters and gauges. */
  buckets: number[] | null;
  track: Track;
  enabled: boolean;
}

export type MetricConfigCheck =
  | { ok: true; value: NormalizedMetricConfig; warnings: FieldIssue[] }
  | { ok: false; errors: FieldIssue[] };

/**
 * Check a draft that already passed the request schema. `where` prefixes field names the way
 * request validation does (`body.buckets.2`), so clients get one consistent error list.
 */
export function checkMetricConfig(draft: MetricConfigDraft, where = 'body'): MetricConfigCheck {
  const errors: FieldIssue[] = [];
  const issue = (path: string, message: string) => errors.push({ field: `${where}.${path}`, message });

  const labelNames = draft.labelNames ?? [];
  labelNames.forEach((label, index) => {
    if (label.startsWith(RESERVED_LABEL_PREFIX)) {
      issue(`labelNames.${index}`, `label names starting with ${RESERVED_LABEL_PREFIX} are reserved`);
    } else if (draft.type === 'histogram' && label === HISTOGRAM_RESERVED_LABEL) {
      issue(`labelNames.${index}`, 'le is reserved on histograms for bucket bounds');
    }
  });

  let buckets: number[] | null = null;
  if (draft.type === 'histogram') {
    buckets = draft.buckets ?? [...DEFAULT_BUCKETS];
    increasingFinite(buckets, (index, message) => issue(`buckets.${index}`, message));
  } else if (draft.buckets !== undefined && draft.buckets !== null) {
    issue('buckets', `only histograms have buckets (this metric is a ${draft.type})`);
  }

  const scrollDepth = draft.track?.scrollDepth;
  if (Array.isArray(scrollDepth)) {
    increasingFinite(scrollDepth, (index, message) => issue(`track.scrollDepth.${index}`, message));
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      name: draft.name,
      type: draft.type,
      help: draft.help ?? '',
      labelNames,
      buckets,
      track: normalizeTrack(draft.track),
      enabled: draft.enabled ?? true,
    },
    warnings: conventionWarnings(draft.name, draft.type, where),
  };
}

/** Prometheus naming advice: worth showing, not worth refusing a metric over. */
export function conventionWarnings(name: string, type: MetricType, where = 'body'): FieldIssue[] {
  const warnings: FieldIssue[] = [];
  const field = `${where}.name`;
  if (type === 'counter' && !name.endsWith(COUNTER_SUFFIX)) {
    warnings.push({ field, message: `counter names should end in ${COUNTER_SUFFIX}` });
  }
  if (type !== 'counter' && name.endsWith(COUNTER_SUFFIX)) {
    warnings.push({ field, message: `only counters should end in ${COUNTER_SUFFIX}` });
  }
  if (name.includes(':')) {
    warnings.push({ field, message: 'colons are reserved for recording rules' });
  }
  return warnings;
}

/** Every field present, so the tracker and the UI never guess at missing ones. */
export function normalizeTrack(track: Partial<Track> | TrackInput | undefined): Track {
  return {
    pageViews: track?.pageViews ?? false,
    clicks: track?.clicks ?? [],
    scrollDepth: track?.scrollDepth ?? false,
    formSubmissions: track?.formSubmissions ?? false,
    customEvents: track?.customEvents ?? [],
  };
}

function increasingFinite(values: readonly number[], report: (index: number, message: string) => void): void {
  let previous: number | undefined;
  values.forEach((value, index) => {
    // JSON.parse turns 1e999 into Infinity and the schema's "number" accepts it: refuse it here.
    if (!Number.isFinite(value)) {
      report(index, 'must be a finite number');
      return;
    }
    if (previous !== undefined && value <= previous) {
      report(index, `must be greater than the previous value (${previous})`);
    }
    previous = value;
  });
}
