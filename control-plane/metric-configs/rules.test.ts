import { describe, expect, it } from 'vitest';
import { checkMetricConfig, DEFAULT_BUCKETS, type MetricConfigDraft } from './rules.ts';

const noTracking = {
  pageViews: false,
  clicks: [],
  scrollDepth: false,
  formSubmissions: false,
  customEvents: [],
};

describe('checkMetricConfig', () => {
  it('normalizes a minimal counter: defaults filled, no warnings', () => {
    expect(checkMetricConfig({ name: 'signups_total', type: 'counter' })).toEqual({
      ok: true,
      value: {
        name: 'signups_total',
        type: 'counter',
        help: '',
        labelNames: [],
        buckets: null,
        track: noTracking,
        enabled: true,
      },
      warnings: [],
    });
  });

  it('gives a histogram without buckets the Prometheus defaults', () => {
    const result = checkMetricConfig({ name: 'load_seconds', type: 'histogram' });
    expect(result).toMatchObject({ ok: true, value: { buckets: [...DEFAULT_BUCKETS] } });
  });

  it('keeps explicit track settings and fills the rest', () => {
    const result = checkMetricConfig({
      name: 'scrolls',
      type: 'gauge',
      track: { scrollDepth: [10, 50, 90], clicks: ['a.buy'] },
    });
    expect(result).toMatchObject({
      ok: true,
      value: { track: { ...noTracking, scrollDepth: [10, 50, 90], clicks: ['a.buy'] } },
    });
  });

  it.each<[string, MetricConfigDraft, { field: string; message: string }[]]>([
    [
      'buckets on a counter',
      { name: 'x_total', type: 'counter', buckets: [1, 2] },
      [{ field: 'body.buckets', message: 'only histograms have buckets (this metric is a counter)' }],
    ],
    [
      'buckets on a gauge, even empty',
      { name: 'x', type: 'gauge', buckets: [] },
      [{ field: 'body.buckets', message: 'only histograms have buckets (this metric is a gauge)' }],
    ],
    [
      'non-increasing buckets',
      { name: 'x', type: 'histogram', buckets: [1, 5, 5, 2] },
      [
        { field: 'body.buckets.2', message: 'must be greater than the previous value (5)' },
        { field: 'body.buckets.3', message: 'must be greater than the previous value (5)' },
      ],
    ],
    [
      'infinite and NaN buckets',
      { name: 'x', type: 'histogram', buckets: [1, Number.POSITIVE_INFINITY, Number.NaN] },
      [
        { field: 'body.buckets.1', message: 'must be a finite number' },
        { field: 'body.buckets.2', message: 'must be a finite number' },
      ],
    ],
    [
      'reserved label names',
      { name: 'x', type: 'gauge', labelNames: ['ok', '__name__', '__x'] },
      [
        { field: 'body.labelNames.1', message: 'label names starting with __ are reserved' },
        { field: 'body.labelNames.2', message: 'label names starting with __ are reserved' },
      ],
    ],
    [
      'le on a histogram',
      { name: 'x', type: 'histogram', labelNames: ['route', 'le'] },
      [{ field: 'body.labelNames.1', message: 'le is reserved on histograms for bucket bounds' }],
    ],
    [
      'non-increasing scroll thresholds',
      { name: 'x', type: 'gauge', track: { scrollDepth: [50, 25] } },
      [{ field: 'body.track.scrollDepth.1', message: 'must be greater than the previous value (50)' }],
    ],
  ])('rejects %s with field-level errors', (_label, draft, errors) => {
    expect(checkMetricConfig(draft)).toEqual({ ok: false, errors });
  });

  it('allows le on counters and gauges', () => {
    expect(checkMetricConfig({ name: 'x_total', type: 'counter', labelNames: ['le'] }).ok).toBe(true);
  });

  it.each<[MetricConfigDraft, string[]]>([
    [{ name: 'signups', type: 'counter' }, ['counter names should end in _total']],
    [{ name: 'queue_total', type: 'gauge' }, ['only counters should end in _total']],
    [{ name: 'job:errors:rate5m', type: 'gauge' }, ['colons are reserved for recording rules']],
    [{ name: 'signups_total', type: 'counter' }, []],
  ])('warns about naming conventions without refusing %j', (draft, messages) => {
    const result = checkMetricConfig(draft);
    expect(result.ok && result.warnings.map((warning) => warning.message)).toEqual(messages);
  });
});
