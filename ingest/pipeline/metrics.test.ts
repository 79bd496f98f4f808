import { describe, expect, it } from 'vitest';
import { checkMetricSample, indexMetricConfigs, toMetricRow } from './metrics.ts';
import type { MetricSample } from './schemas.ts';
import type { MetricConfigLike, PipelineContext } from './types.ts';

const APP_ID = '0190c1c8-8f4c-7cc3-9a5e-6c1a2b3c4d5e';
const RECEIVED_AT = Date.parse('2026-11-21T10:00:00.000Z');

const signups: MetricConfigLike = {
  name: 'signups_total',
  type: 'counter',
  labelNames: ['plan'],
  buckets: null,
  enabled: true,
};
const queue: MetricConfigLike = {
  name: 'queue_depth',
  type: 'gauge',
  labelNames: [],
  buckets: null,
  enabled: true,
};
const latency: MetricConfigLike = {
  name: 'load_seconds',
  type: 'histogram',
  labelNames: ['page', 'region'],
  buckets: [0.1, 0.5, 1],
  enabled: true,
};
const retired: MetricConfigLike = {
  name: 'old_total',
  type: 'counter',
  labelNames: [],
  buckets: null,
  enabled: false,
};
const configs = indexMetricConfigs([signups, queue, latency, retired]);

const ctx: PipelineContext = {
  appId: APP_ID,
  retentionDays: 30,
  receivedAt: RECEIVED_AT,
  userAgent: undefined,
  newEventId: () => 'unused',
};

describe('checkMetricSample', () => {
  it.each<[string, MetricSample, MetricConfigLike]>([
    [
      'a counter increment with an allowed label',
      { name: 'signups_total', value: 1, labels: { plan: 'pro' } },
      signups,
    ],
    ['a zero increment', { name: 'signups_total', value: 0 }, signups],
    ['a negative gauge', { name: 'queue_depth', value: -4, type: 'gauge' }, queue],
    [
      'a histogram observation with a subset of labels',
      { name: 'load_seconds', value: 0.3, labels: { page: '/' } },
      latency,
    ],
    ['a null type', { name: 'queue_depth', value: 1, type: null }, queue],
  ])('accepts %s', (_name, sample, config) => {
    expect(checkMetricSample(sample, configs)).toEqual({ ok: true, value: config });
  });

  it.each<[string, MetricSample, string, string]>([
    [
      'an unknown metric',
      { name: 'nope_total', value: 1 },
      'unknown_metric',
      'No metric named "nope_total" is configured',
    ],
    [
      'a disabled metric',
      { name: 'old_total', value: 1 },
      'metric_disabled',
      'The metric "old_total" is disabled',
    ],
    [
      'a stated type that differs',
      { name: 'signups_total', value: 1, type: 'gauge' },
      'metric_type_mismatch',
      'The metric "signups_total" is a counter, but the sample says gauge',
    ],
    [
      'a label the config does not name',
      { name: 'signups_total', value: 1, labels: { plan: 'pro', user_id: 'u1' } },
      'label_not_allowed',
      'The label "user_id" is not configured for "signups_total" (allowed: plan)',
    ],
    [
      'any label on a metric without labels',
      { name: 'queue_depth', value: 1, labels: { host: 'a' } },
      'label_not_allowed',
      'The label "host" is not configured for "queue_depth" (allowed: none)',
    ],
    [
      'a negative counter increment',
      { name: 'signups_total', value: -1 },
      'negative_counter_increment',
      'A counter sample is an increment and must not be negative',
    ],
    [
      'an infinite value (JSON 1e999)',
      { name: 'queue_depth', value: Number.POSITIVE_INFINITY },
      'non_finite_value',
      'value must be a finite number',
    ],
    ['NaN', { name: 'load_seconds', value: Number.NaN }, 'non_finite_value', 'value must be a finite number'],
  ])('refuses %s', (_name, sample, code, message) => {
    expect(checkMetricSample(sample, configs)).toEqual({ ok: false, code, message });
  });
});

describe('toMetricRow', () => {
  it('attaches the bucket bounds to a histogram observation', () => {
    expect(toMetricRow({ name: 'load_seconds', value: 0.42, labels: { page: '/' } }, latency, ctx)).toEqual({
      app_id: APP_ID,
      name: 'load_seconds',
      type: 'histogram',
      labels: { page: '/' },
      value: 0.42,
      ts: '2026-11-21 10:00:00.000',
      received_at: '2026-11-21 10:00:00.000',
      bucket_bounds: [0.1, 0.5, 1],
      retention_days: 30,
    });
  });

  it.each<[string, MetricSample, Record<string, unknown>, string]>([
    ['no timestamp: the receive time', { name: 'queue_depth', value: 1 }, {}, '2026-11-21 10:00:00.000'],
    [
      'epoch ms',
      { name: 'queue_depth', value: 1, timestamp: RECEIVED_AT - 2_500 },
      {},
      '2026-11-21 09:59:57.500',
    ],
    [
      'skew-corrected by the body sentAt',
      { name: 'queue_depth', value: 1, timestamp: '2026-11-21T12:00:00Z' },
      { sentAt: '2026-11-21T12:00:10Z' },
      '2026-11-21 09:59:50.000',
    ],
    [
      'clamped like events',
      { name: 'queue_depth', value: 1, timestamp: '2030-01-01T00:00:00Z' },
      {},
      '2026-11-21 10:01:00.000',
    ],
  ])('ts: %s', (_name, sample, envelope, ts) => {
    expect(toMetricRow(sample, queue, ctx, envelope)).toMatchObject({ ts, labels: {}, bucket_bounds: [] });
  });
});
