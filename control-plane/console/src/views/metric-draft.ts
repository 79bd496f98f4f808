// Turns the metric-config form's text into the API's body, and back. Pure: tested in node.
// Parsing problems (a bucket that is not a number) are reported like the server's field errors,
// so the form shows both the same way; everything else is left for the server to judge.
import type { FieldIssue, MetricConfig } from '../types.ts';

export type MetricType = MetricConfig['type'];

/** What the form holds, as text and booleans. */
export interface MetricFormValues {
  name: string;
  type: MetricType;
  help: string;
  labelNames: string;
  buckets: string;
  pageViews: boolean;
  clicks: string;
  scrollDepth: boolean;
  scrollThresholds: string;
  formSubmissions: boolean;
  formSelectors: string;
  customEvents: string;
  enabled: boolean;
}

export interface MetricBody {
  name: string;
  type: MetricType;
  help: string;
  labelNames: string[];
  buckets?: number[] | null;
  track: {
    pageViews: boolean;
    clicks: string[];
    scrollDepth: boolean | number[];
    formSubmissions: boolean | string[];
    customEvents: string[];
  };
  enabled: boolean;
}

/** The schema's pattern errors, in words (see control-plane/metric-configs/schemas.ts). */
export const METRIC_PATTERN_HINTS = {
  name: 'Use letters, digits, _ and : only, not starting with a digit (e.g. signups_total)',
  labelNames: 'Label names use letters, digits and _ only, not starting with a digit',
  'track.clicks': 'Selectors cannot contain control characters',
  'track.customEvents': 'Event names cannot contain control characters',
};

const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
const commaList = (text: string) =>
  text
    .split(/[,\s]+/)
    .map((item) => item.trim())
    .filter(Boolean);

function numbers(text: string, field: string, issues: FieldIssue[], integer: boolean): number[] {
  return commaList(text).map((item, index) => {
    const value = Number(item);
    if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      issues.push({
        field: `body.${field}.${index}`,
        message: `“${item}” is not ${integer ? 'a whole number' : 'a number'}`,
      });
    }
    return value;
  });
}

export function metricBody(values: MetricFormValues): { body: MetricBody; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  if (values.name.trim() === '') issues.push({ field: 'body.name', message: 'Give the metric a name' });
  const thresholds = values.scrollThresholds.trim();
  const selectors = lines(values.formSelectors);
  const body: MetricBody = {
    name: values.name.trim(),
    type: values.type,
    help: values.help.trim(),
    labelNames: commaList(values.labelNames),
    track: {
      pageViews: values.pageViews,
      clicks: lines(values.clicks),
      scrollDepth:
        values.scrollDepth && thresholds !== ''
          ? numbers(thresholds, 'track.scrollDepth', issues, true)
          : values.scrollDepth,
      formSubmissions: values.formSubmissions && selectors.length > 0 ? selectors : values.formSubmissions,
      customEvents: commaList(values.customEvents),
    },
    enabled: values.enabled,
  };
  // Buckets belong to histograms only; an empty field means the Prometheus defaults.
  if (values.type === 'histogram') {
    body.buckets = values.buckets.trim() === '' ? null : numbers(values.buckets, 'buckets', issues, false);
  }
  return { body, issues };
}

/** The form's text for a stored config (for editing). */
export function formValuesOf(config: MetricConfig): MetricFormValues {
  const { track } = config;
  return {
    name: config.name,
    type: config.type,
    help: config.help,
    labelNames: config.labelNames.join(', '),
    buckets: config.type === 'histogram' && config.buckets ? config.buckets.join(', ') : '',
    pageViews: track.pageViews,
    clicks: track.clicks.join('\n'),
    scrollDepth: track.scrollDepth !== false,
    scrollThresholds: Array.isArray(track.scrollDepth) ? track.scrollDepth.join(', ') : '',
    formSubmissions: track.formSubmissions !== false,
    formSelectors: Array.isArray(track.formSubmissions) ? track.formSubmissions.join('\n') : '',
    customEvents: track.customEvents.join(', '),
    enabled: config.enabled,
  };
}

/** One line on what the tracker records for a config, for the list. */
export function describeTracking(track: MetricConfig['track']): string {
  const parts: string[] = [];
  if (track.pageViews) parts.push('page views');
  if (track.clicks.length) parts.push(`clicks on ${track.clicks.join(', ')}`);
  if (track.scrollDepth !== false) {
    parts.push(
      Array.isArray(track.scrollDepth) ? `scroll depth at ${track.scrollDepth.join(', ')}%` : 'scroll depth',
    );
  }
  if (track.formSubmissions !== false) {
    parts.push(
      Array.isArray(track.formSubmissions)
        ? `submits of ${track.formSubmissions.join(', ')}`
        : 'form submissions',
    );
  }
  if (track.customEvents.length) parts.push(`events ${track.customEvents.join(', ')}`);
  return parts.length ? parts.join('; ') : 'sent from your code';
}
