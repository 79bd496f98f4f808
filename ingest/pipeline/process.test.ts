import { describe, expect, it } from 'vitest';
import { indexMetricConfigs } from './metrics.ts';
import { METRICS_SOURCE, processMetricSamples, processSegmentBatch, processTrackBatch } from './process.ts';
import type { MetricConfigLike, PipelineContext, ProcessResult } from './types.ts';

const APP_ID = '0190c1c8-8f4c-7cc3-9a5e-6c1a2b3c4d5e';
const RECEIVED_AT = Date.parse('2026-11-21T10:00:00.000Z');

function context(): PipelineContext {
  let next = 0;
  return {
    appId: APP_ID,
    retentionDays: 90,
    receivedAt: RECEIVED_AT,
    userAgent: 'curl/8.4.0',
    newEventId: () => `00000000-0000-7000-8000-${String(++next).padStart(12, '0')}`,
  };
}

const lines = (text: string) =>
  text === ''
    ? []
    : text
        .split('\n')
        .slice(0, -1)
        .map((line) => JSON.parse(line) as Record<string, unknown>);

function quarantined(source: string, reason: string, message: string, payload: unknown) {
  return {
    app_id: APP_ID,
    received_at: '2026-11-21 10:00:00.000',
    reason,
    message,
    payload: JSON.stringify(payload),
    source,
  };
}

/** The invariant every driver keeps: one quarantine line per rejection, every line newline-ended. */
function expectConsistent(result: ProcessResult) {
  expect(lines(result.quarantine)).toHaveLength(result.rejected.length);
  expect(lines(result.rows)).toHaveLength(result.accepted);
  for (const text of [result.rows, result.quarantine])
    if (text !== '') expect(text.endsWith('\n')).toBe(true);
}

describe('processTrackBatch', () => {
  it('answers per item, writes accepted rows and quarantines every rejected item', () => {
    const items = [
      { eventType: 'pageview', url: 'https://example.com/a' },
      { name: 'no type' },
      'not an object',
      { eventType: 'click', eventId: 'retry-7' },
      { eventType: 'x', screenWidth: 1e6 },
    ];
    const result = processTrackBatch(items, context(), '/api/events/track/batch');
    expectConsistent(result);
    expect(result.accepted).toBe(2);
    expect(result.rejected).toEqual([
      { index: 1, code: 'missing_event_type', message: 'eventType is required' },
      { index: 2, code: 'invalid_event', message: 'An event must be a JSON object' },
      { index: 4, code: 'invalid_field', message: 'screenWidth must be <= 65535' },
    ]);
    expect(lines(result.rows).map((row) => [row.event_type, row.path, row.event_id])).toEqual([
      ['pageview', '/a', '00000000-0000-7000-8000-000000000001'],
      ['click', '', expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-8/)],
    ]);
    expect(lines(result.quarantine)).toEqual([
      quarantined('/api/events/track/batch', 'missing_event_type', 'eventType is required', items[1]),
      quarantined('/api/events/track/batch', 'invalid_event', 'An event must be a JSON object', items[2]),
      quarantined('/api/events/track/batch', 'invalid_field', 'screenWidth must be <= 65535', items[4]),
    ]);
  });

  it('quarantines an event too large to store', () => {
    const result = processTrackBatch(
      [{ eventType: 'x', metadata: { blob: 'b'.repeat(40_000) } }],
      context(),
      's',
    );
    expectConsistent(result);
    expect(result).toMatchObject({
      accepted: 0,
      rows: '',
      rejected: [{ index: 0, code: 'event_too_large' }],
    });
  });

  it('returns nothing for an empty batch', () => {
    expect(processTrackBatch([], context(), 's')).toEqual({
      accepted: 0,
      rows: '',
      quarantine: '',
      rejected: [],
    });
  });

  it('treats a context without a UUID app id as a bug', () => {
    expect(() => processTrackBatch([], { ...context(), appId: 'app-1' }, 's')).toThrow(
      /appId must be a UUID/,
    );
  });
});

describe('processSegmentBatch', () => {
  it('applies the batch sentAt and context, and answers per message', () => {
    const messages = [
      { type: 'track', event: 'Signed Up', userId: 'u1', timestamp: '2026-11-21T09:59:00.000Z' },
      { type: 'page', anonymousId: 'a1', properties: { url: 'https://x.io/p' } },
      { type: 'track', userId: 'u1' },
      { type: 'launch', userId: 'u1' },
    ];
    const result = processSegmentBatch(messages, context(), '/v1/batch', {
      sentAt: '2026-11-21T09:59:30.000Z',
      context: { locale: 'nl-NL' },
    });
    expectConsistent(result);
    expect(result.accepted).toBe(2);
    expect(lines(result.rows)).toMatchObject([
      { event_type: 'track', name: 'Signed Up', ts: '2026-11-21 09:59:30.000', locale: 'nl-NL' },
      { event_type: 'pageview', path: '/p', ts: '2026-11-21 10:00:00.000', locale: 'nl-NL' },
    ]);
    expect(result.rejected).toEqual([
      { index: 2, code: 'missing_event_name', message: 'event is required' },
      {
        index: 3,
        code: 'unknown_message_type',
        message: 'type must be one of track, page, screen, identify, group, alias',
      },
    ]);
  });
});

describe('processMetricSamples', () => {
  const configs: MetricConfigLike[] = [
    { name: 'signups_total', type: 'counter', labelNames: ['plan'], buckets: null, enabled: true },
    { name: 'load_seconds', type: 'histogram', labelNames: [], buckets: [0.5, 1], enabled: true },
  ];
  const samples = [
    { name: 'signups_total', value: 2, labels: { plan: 'pro' } },
    { name: 'load_seconds', value: 0.7 },
    { name: 'signups_total', value: -1 },
    { name: 'unknown_total', value: 1 },
    { value: 1 },
  ];

  it.each<[string, unknown]>([
    ['the samples array', samples],
    ['a { samples } body', { samples }],
  ])('stores configured samples and quarantines the rest, given %s', (_name, body) => {
    const result = processMetricSamples(body, configs, context());
    expectConsistent(result);
    expect(result.accepted).toBe(2);
    expect(lines(result.rows)).toMatchObject([
      { name: 'signups_total', type: 'counter', labels: { plan: 'pro' }, value: 2, bucket_bounds: [] },
      { name: 'load_seconds', type: 'histogram', labels: {}, value: 0.7, bucket_bounds: [0.5, 1] },
    ]);
    expect(result.rejected).toEqual([
      {
        index: 2,
        code: 'negative_counter_increment',
        message: 'A counter sample is an increment and must not be negative',
      },
      { index: 3, code: 'unknown_metric', message: 'No metric named "unknown_total" is configured' },
      { index: 4, code: 'invalid_field', message: 'name is required' },
    ]);
    expect(lines(result.quarantine).map((row) => row.source)).toEqual([
      METRICS_SOURCE,
      METRICS_SOURCE,
      METRICS_SOURCE,
    ]);
  });

  it('takes one sample on its own, and configs already indexed by name', () => {
    const result = processMetricSamples(
      { name: 'load_seconds', value: 3 },
      indexMetricConfigs(configs),
      context(),
    );
    expect(result).toMatchObject({ accepted: 1, rejected: [] });
  });

  it('answers a body it cannot read as one rejection, quarantined with the body', () => {
    const result = processMetricSamples({ samples: 'all of them' }, configs, context(), '/custom');
    expectConsistent(result);
    expect(result).toMatchObject({
      accepted: 0,
      rejected: [{ index: 0, code: 'invalid_body', message: '"samples" must be an array' }],
    });
    expect(lines(result.quarantine)[0]).toEqual(
      quarantined('/custom', 'invalid_body', '"samples" must be an array', { samples: 'all of them' }),
    );
  });
});
