import { describe, expect, it } from 'vitest';
import {
  MAX_BATCH_ITEMS,
  readMetricSamples,
  readSegmentBatch,
  readSegmentMessage,
  readTrackBatch,
  validateMetricSample,
  validateSegmentMessage,
  validateTrackEvent,
} from './validate.ts';

const fail = (code: string, message: string) => ({ ok: false, code, message });

describe('validateTrackEvent', () => {
  const full = {
    eventType: 'pageview',
    name: 'Home',
    eventId: '0190c1c8-8f4c-7cc3-9a5e-6c1a2b3c4d5e',
    userId: 'u1',
    anonymousId: 'a1',
    sessionId: 's1',
    url: 'https://example.com/',
    referrer: 'https://google.com/',
    title: 'Home',
    locale: 'en-US',
    screenWidth: 1920,
    screenHeight: 1080,
    timestamp: '2026-11-21T10:00:00.000Z',
    sentAt: 1_795_000_000_000,
    metadata: { plan: 'pro' },
  };

  it.each<[string, Record<string, unknown>]>([
    ['only eventType', { eventType: 'click' }],
    ['every field', full],
    [
      'nulls for optional fields (SDKs send them)',
      { eventType: 'x', userId: null, metadata: null, screenWidth: null },
    ],
    ['unknown fields are ignored', { eventType: 'x', someFutureField: { deep: [1, 2] }, tags: 'y' }],
    ['a non-UUID event id', { eventType: 'x', eventId: 'evt_01HF8Z9' }],
    ['epoch-millisecond timestamps', { eventType: 'x', timestamp: 1_795_000_000_123, sentAt: 0 }],
    [
      'limits are inclusive',
      { eventType: 'e'.repeat(64), screenWidth: 65_535, url: `https://x/${'a'.repeat(2038)}` },
    ],
    ['an emoji counts as two characters', { eventType: '😀'.repeat(32) }],
  ])('accepts %s', (_name, event) => {
    expect(validateTrackEvent(event)).toEqual({ ok: true, value: event });
  });

  it.each<[string, unknown, ReturnType<typeof fail>]>([
    ['a string', 'pageview', fail('invalid_event', 'An event must be a JSON object')],
    ['an array', [{ eventType: 'x' }], fail('invalid_event', 'An event must be a JSON object')],
    ['null', null, fail('invalid_event', 'An event must be a JSON object')],
    ['no eventType', { name: 'x' }, fail('missing_event_type', 'eventType is required')],
    ['an empty eventType', { eventType: '' }, fail('invalid_field', 'eventType must not be empty')],
    [
      'a long eventType',
      { eventType: 'e'.repeat(65) },
      fail('invalid_field', 'eventType must be at most 64 characters'),
    ],
    ['a numeric eventType', { eventType: 5 }, fail('invalid_field', 'eventType must be string')],
    [
      'a numeric userId',
      { eventType: 'x', userId: 5 },
      fail('invalid_field', 'userId must be string or null'),
    ],
    [
      'a long url',
      { eventType: 'x', url: 'u'.repeat(2049) },
      fail('invalid_field', 'url must be at most 2048 characters'),
    ],
    [
      'a long event id',
      { eventType: 'x', eventId: 'i'.repeat(129) },
      fail('invalid_field', 'eventId must be at most 128 characters'),
    ],
    [
      'a negative screen side',
      { eventType: 'x', screenWidth: -1 },
      fail('invalid_field', 'screenWidth must be >= 0'),
    ],
    [
      'a too large screen side',
      { eventType: 'x', screenHeight: 70_000 },
      fail('invalid_field', 'screenHeight must be <= 65535'),
    ],
    [
      'a fractional screen side',
      { eventType: 'x', screenWidth: 10.5 },
      fail('invalid_field', 'screenWidth must be integer or null'),
    ],
    [
      'an unreadable timestamp',
      { eventType: 'x', timestamp: 'yesterday' },
      fail('invalid_field', 'timestamp must be an ISO 8601 date-time or epoch milliseconds'),
    ],
    ['a negative epoch', { eventType: 'x', sentAt: -5 }, fail('invalid_field', 'sentAt must be >= 0')],
    [
      'a boolean timestamp',
      { eventType: 'x', timestamp: true },
      fail('invalid_field', 'timestamp must be string or number or null'),
    ],
    [
      'metadata as a string',
      { eventType: 'x', metadata: '{}' },
      fail('invalid_field', 'metadata must be object or null'),
    ],
    [
      'metadata as an array',
      { eventType: 'x', metadata: [] },
      fail('invalid_field', 'metadata must be object or null'),
    ],
  ])('refuses %s', (_name, event, expected) => {
    expect(validateTrackEvent(event)).toEqual(expected);
  });

  it('never echoes the offending value', () => {
    const result = validateTrackEvent({ eventType: 'x', title: 'secret '.repeat(1000) });
    expect(result).toEqual(fail('invalid_field', 'title must be at most 1024 characters'));
  });
});

describe('validateSegmentMessage', () => {
  const base = { userId: 'u1', messageId: 'ajs-next-1', timestamp: '2026-11-21T10:00:00.000Z' };
  it.each<[string, Record<string, unknown>]>([
    ['track', { ...base, type: 'track', event: 'Order Completed', properties: { revenue: 10 } }],
    ['page', { ...base, type: 'page', name: 'Home', properties: { url: 'https://x/' } }],
    ['page without a name', { ...base, type: 'page' }],
    ['screen', { ...base, type: 'screen', name: 'Dashboard' }],
    ['identify', { ...base, type: 'identify', traits: { email: 'a@b.c' } }],
    ['group', { ...base, type: 'group', groupId: 'g1', traits: { plan: 'pro' } }],
    ['alias', { ...base, type: 'alias', previousId: 'anon-1' }],
    [
      'anonymous only, userId null (analytics.js)',
      { type: 'track', event: 'x', anonymousId: 'a1', userId: null },
    ],
    ['numeric ids from typed-language libraries', { type: 'group', userId: 42, groupId: 7 }],
    [
      'a full analytics.js context, its unknown parts ignored',
      {
        ...base,
        type: 'track',
        event: 'x',
        writeKey: 'wk',
        originalTimestamp: '2026-11-21T10:00:00Z',
        sentAt: '2026-11-21T10:00:01Z',
        integrations: { All: true },
        context: {
          userAgent: 'Mozilla/5.0',
          locale: 'en-US',
          library: { name: 'analytics.js', version: '1' },
          page: { url: 'https://x/', path: '/', referrer: '', title: 'X', search: '' },
          screen: { width: 390.5, height: 844, density: 3 },
          campaign: { source: 's', medium: 'm', name: 'n', term: 't', content: 'c' },
          ip: '1.2.3.4',
        },
      },
    ],
  ])('accepts %s', (_name, message) => {
    expect(validateSegmentMessage(message)).toEqual({ ok: true, value: message });
  });

  it.each<[string, unknown, ReturnType<typeof fail>]>([
    ['a non-object', 7, fail('invalid_event', 'A message must be a JSON object')],
    [
      'no type',
      { userId: 'u' },
      fail('unknown_message_type', 'type must be one of track, page, screen, identify, group, alias'),
    ],
    [
      'an unknown type',
      { type: 'purchase', userId: 'u' },
      fail('unknown_message_type', 'type must be one of track, page, screen, identify, group, alias'),
    ],
    ['track without event', { type: 'track', userId: 'u' }, fail('missing_event_name', 'event is required')],
    [
      'track with an empty event',
      { type: 'track', userId: 'u', event: '' },
      fail('invalid_field', 'event must not be empty'),
    ],
    ['group without groupId', { type: 'group', userId: 'u' }, fail('invalid_field', 'groupId is required')],
    [
      'alias without previousId',
      { type: 'alias', userId: 'u' },
      fail('invalid_field', 'previousId is required'),
    ],
    [
      'no identity at all',
      { type: 'track', event: 'x', userId: null, anonymousId: '' },
      fail('missing_identity', 'Either userId or anonymousId is required'),
    ],
    [
      'a long context.page.url',
      { type: 'page', userId: 'u', context: { page: { url: 'u'.repeat(3000) } } },
      fail('invalid_field', 'context.page.url must be at most 2048 characters'),
    ],
    [
      'context.page as a string',
      { type: 'page', userId: 'u', context: { page: 'https://x/' } },
      fail('invalid_field', 'context.page must be object'),
    ],
    [
      'an unreadable timestamp',
      { type: 'identify', userId: 'u', timestamp: '21/11/2026' },
      fail('invalid_field', 'timestamp must be an ISO 8601 date-time or epoch milliseconds'),
    ],
    [
      'properties as an array',
      { type: 'track', event: 'x', userId: 'u', properties: [] },
      fail('invalid_field', 'properties must be object or null'),
    ],
  ])('refuses %s', (_name, message, expected) => {
    expect(validateSegmentMessage(message)).toEqual(expected);
  });
});

describe('validateMetricSample', () => {
  it.each<[string, Record<string, unknown>]>([
    ['name and value', { name: 'signups_total', value: 1 }],
    [
      'labels, timestamp and type',
      { name: 'x', value: 0.5, labels: { plan: 'pro' }, timestamp: 1, type: 'gauge' },
    ],
    ['null labels and type', { name: 'x', value: -3, labels: null, type: null }],
  ])('accepts %s', (_name, sample) => {
    expect(validateMetricSample(sample)).toEqual({ ok: true, value: sample });
  });

  it.each<[string, unknown, ReturnType<typeof fail>]>([
    ['a non-object', [1], fail('invalid_sample', 'A sample must be a JSON object')],
    ['no name', { value: 1 }, fail('invalid_field', 'name is required')],
    ['no value', { name: 'x' }, fail('invalid_field', 'value is required')],
    ['a string value', { name: 'x', value: '1' }, fail('invalid_field', 'value must be number')],
    [
      'a numeric label',
      { name: 'x', value: 1, labels: { code: 200 } },
      fail('invalid_field', 'labels.code must be string'),
    ],
    [
      'an unknown type',
      { name: 'x', value: 1, type: 'summary' },
      fail('invalid_field', 'type must be one of counter, gauge, histogram'),
    ],
    [
      'too many labels',
      {
        name: 'x',
        value: 1,
        labels: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`l${i}`, 'v'])),
      },
      fail('invalid_field', 'labels must have at most 32 keys'),
    ],
  ])('refuses %s', (_name, sample, expected) => {
    expect(validateMetricSample(sample)).toEqual(expected);
  });
});

describe('request envelopes', () => {
  const events = [{ eventType: 'a' }, 'anything: items are checked one by one later'];

  it.each<[string, () => unknown, unknown]>([
    ['a track batch', () => readTrackBatch({ events }), { ok: true, value: { items: events, envelope: {} } }],
    [
      'a track batch with sentAt',
      () => readTrackBatch({ events, sentAt: 5 }),
      { ok: true, value: { items: events, envelope: { sentAt: 5 } } },
    ],
    [
      'an empty track batch',
      () => readTrackBatch({ events: [] }),
      { ok: true, value: { items: [], envelope: {} } },
    ],
    [
      'a track body that is an array',
      () => readTrackBatch(events),
      fail('invalid_body', 'The body must be an object with an "events" array'),
    ],
    [
      'a track batch with too many events',
      () => readTrackBatch({ events: new Array(MAX_BATCH_ITEMS + 1).fill({}) }),
      fail('batch_too_large', `A batch holds at most ${MAX_BATCH_ITEMS} items (got ${MAX_BATCH_ITEMS + 1})`),
    ],
    [
      "the caller's own item limit",
      () => readSegmentBatch({ batch: [{}, {}, {}] }, 2),
      fail('batch_too_large', 'A batch holds at most 2 items (got 3)'),
    ],
    [
      'a batch with an unreadable sentAt',
      () => readTrackBatch({ events, sentAt: 'now' }),
      fail('invalid_body', 'sentAt must be an ISO 8601 date-time or epoch milliseconds'),
    ],
    [
      'a Segment batch with sentAt, context and writeKey',
      () =>
        readSegmentBatch({
          batch: events,
          sentAt: '2026-11-21T10:00:00Z',
          context: { locale: 'de' },
          writeKey: 'k',
        }),
      {
        ok: true,
        value: { items: events, envelope: { sentAt: '2026-11-21T10:00:00Z', context: { locale: 'de' } } },
      },
    ],
    [
      'a Segment batch without batch',
      () => readSegmentBatch({ events }),
      fail('invalid_body', 'The body must be an object with a "batch" array'),
    ],
    [
      'a Segment batch with a bad shared context',
      () => readSegmentBatch({ batch: [], context: { locale: 5 } }),
      fail('invalid_body', 'context.locale must be string or null'),
    ],
    [
      'a single Segment message takes the endpoint type',
      () => readSegmentMessage({ userId: 'u', event: 'x' }, 'track'),
      { ok: true, value: { items: [{ userId: 'u', event: 'x', type: 'track' }], envelope: {} } },
    ],
    [
      'a single Segment message that is not an object',
      () => readSegmentMessage([], 'page'),
      fail('invalid_body', 'The body must be a JSON object'),
    ],
    [
      'metric samples',
      () => readMetricSamples({ samples: [{ name: 'x', value: 1 }] }),
      { ok: true, value: { items: [{ name: 'x', value: 1 }], envelope: {} } },
    ],
    [
      'one metric sample on its own',
      () => readMetricSamples({ name: 'x', value: 1 }),
      { ok: true, value: { items: [{ name: 'x', value: 1 }], envelope: {} } },
    ],
    [
      'samples that are not an array',
      () => readMetricSamples({ samples: {} }),
      fail('invalid_body', '"samples" must be an array'),
    ],
    [
      'a metrics body that is a number',
      () => readMetricSamples(3),
      fail('invalid_body', 'The body must be a JSON object'),
    ],
  ])('%s', (_name, read, expected) => {
    expect(read()).toEqual(expected);
  });
});
