import { describe, expect, it } from 'vitest';
import {
  MAX_EVENT_BYTES,
  MAX_QUARANTINE_PAYLOAD_CHARS,
  segmentToEventRow,
  toEventRow,
  toQuarantineRow,
  truncate,
} from './enrich.ts';
import type { SegmentMessage, TrackEvent } from './schemas.ts';
import type { EventRow, PipelineContext } from './types.ts';
import { stableUuid } from './uuid.ts';

const APP_ID = '0190c1c8-8f4c-7cc3-9a5e-6c1a2b3c4d5e';
const RECEIVED_AT = Date.parse('2026-11-21T10:00:00.000Z');
const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1';

/** A context whose ids count up, so rows are deterministic. */
function context(overrides: Partial<PipelineContext> = {}): PipelineContext {
  let next = 0;
  return {
    appId: APP_ID,
    retentionDays: 90,
    receivedAt: RECEIVED_AT,
    userAgent: CHROME_WINDOWS,
    newEventId: () => `00000000-0000-7000-8000-${String(++next).padStart(12, '0')}`,
    ...overrides,
  };
}

const emptyRow: EventRow = {
  app_id: APP_ID,
  event_id: '00000000-0000-7000-8000-000000000001',
  event_type: '',
  name: '',
  ts: '2026-11-21 10:00:00.000',
  received_at: '2026-11-21 10:00:00.000',
  user_id: '',
  anonymous_id: '',
  session_id: '',
  url: '',
  host: '',
  path: '',
  referrer: '',
  referrer_domain: '',
  utm_source: '',
  utm_medium: '',
  utm_campaign: '',
  utm_term: '',
  utm_content: '',
  title: '',
  browser: 'Chrome',
  browser_version: '120',
  os: 'Windows',
  os_version: '10',
  device_type: 'desktop',
  device_vendor: '',
  device_model: '',
  screen_width: 0,
  screen_height: 0,
  locale: '',
  country: '',
  properties: '{}',
  retention_days: 90,
};

const rowOf = (result: ReturnType<typeof toEventRow>): EventRow => {
  if (!result.ok) throw new Error(`expected a row, got ${result.code}: ${result.message}`);
  return result.value;
};

describe('toEventRow', () => {
  it('fills every column from a complete event', () => {
    const event: TrackEvent = {
      eventType: 'pageview',
      name: 'Product',
      eventId: '0190C1C8-8F4C-7CC3-9A5E-AAAAAAAAAAAA',
      userId: 'u-1',
      anonymousId: 'a-1',
      sessionId: 's-1',
      url: 'https://Shop.Example.com/p/42?utm_source=google&utm_medium=cpc&utm_campaign=spring%20sale&utm_term=shoes&utm_content=a#x',
      referrer: 'https://www.google.com/search?q=shoes',
      title: 'Shoes | Shop',
      locale: 'en-GB',
      screenWidth: 390,
      screenHeight: 844,
      timestamp: '2026-11-21T09:59:50.000Z',
      sentAt: '2026-11-21T09:59:55.000Z',
      metadata: { plan: 'pro', price: 19.99, tags: ['a'] },
    };
    expect(toEventRow(event, context({ userAgent: SAFARI_IPHONE, country: 'DE' }))).toEqual({
      ok: true,
      value: {
        ...emptyRow,
        event_id: '0190c1c8-8f4c-7cc3-9a5e-aaaaaaaaaaaa',
        event_type: 'pageview',
        name: 'Product',
        // The client clock is 5 s slow (sent 09:59:55, received 10:00:00): 09:59:50 + 5 s.
        ts: '2026-11-21 09:59:55.000',
        user_id: 'u-1',
        anonymous_id: 'a-1',
        session_id: 's-1',
        url: event.url,
        host: 'shop.example.com',
        path: '/p/42',
        referrer: 'https://www.google.com/search?q=shoes',
        referrer_domain: 'google.com',
        utm_source: 'google',
        utm_medium: 'cpc',
        utm_campaign: 'spring sale',
        utm_term: 'shoes',
        utm_content: 'a',
        title: 'Shoes | Shop',
        browser: 'Mobile Safari',
        browser_version: '17',
        os: 'iOS',
        os_version: '17.1.2',
        device_type: 'mobile',
        device_vendor: 'Apple',
        device_model: 'iPhone',
        screen_width: 390,
        screen_height: 844,
        locale: 'en-GB',
        country: 'DE',
        properties: '{"plan":"pro","price":19.99,"tags":["a"]}',
      },
    });
  });

  it('fills defaults for a minimal event: new id, receive time, request user agent', () => {
    expect(toEventRow({ eventType: 'click' }, context())).toEqual({
      ok: true,
      value: { ...emptyRow, event_type: 'click' },
    });
  });

  it.each<[string, Partial<TrackEvent>, string]>([
    ['no client time', {}, '2026-11-21 10:00:00.000'],
    ['a timestamp without sentAt', { timestamp: '2026-11-21T09:00:00.000Z' }, '2026-11-21 09:00:00.000'],
    ['epoch milliseconds', { timestamp: RECEIVED_AT - 1500 }, '2026-11-21 09:59:58.500'],
    [
      'a clock two hours fast, corrected',
      { timestamp: '2026-11-21T12:00:00.000Z', sentAt: '2026-11-21T12:00:03.000Z' },
      '2026-11-21 09:59:57.000',
    ],
    [
      'a year-old event, clamped to 31 days back',
      { timestamp: '2025-11-21T10:00:00Z' },
      '2026-10-21 10:00:00.000',
    ],
    [
      'an event an hour ahead, clamped to a minute ahead',
      { timestamp: '2026-11-21T11:00:00Z' },
      '2026-11-21 10:01:00.000',
    ],
  ])('ts: %s', (_name, fields, ts) => {
    expect(rowOf(toEventRow({ eventType: 'x', ...fields }, context())).ts).toBe(ts);
  });

  it('uses the batch sentAt for events without their own', () => {
    const event = { eventType: 'x', timestamp: '2026-11-21T09:59:00.000Z' };
    expect(rowOf(toEventRow(event, context(), { sentAt: '2026-11-21T09:59:30.000Z' })).ts).toBe(
      '2026-11-21 09:59:30.000',
    );
  });

  it.each<[string, string | undefined, string]>([
    ['a client UUID is kept', '0190c1c8-8f4c-7cc3-9a5e-6c1a2b3c4d5f', '0190c1c8-8f4c-7cc3-9a5e-6c1a2b3c4d5f'],
    ['another client id maps to a stable UUID', 'evt_123', stableUuid(APP_ID, 'evt_123')],
    ['no id: the injected generator', undefined, '00000000-0000-7000-8000-000000000001'],
  ])('event_id: %s', (_name, eventId, expected) => {
    expect(rowOf(toEventRow({ eventType: 'x', eventId }, context())).event_id).toBe(expected);
  });

  it.each<[string, PipelineContext['country'], string]>([
    ['a country code from the proxy', 'FR', 'FR'],
    ['anything else is dropped', 'France', ''],
    ['absent', undefined, ''],
  ])('country: %s', (_name, country, expected) => {
    expect(rowOf(toEventRow({ eventType: 'x' }, context({ country }))).country).toBe(expected);
  });

  it('leaves device columns empty without any user agent', () => {
    expect(rowOf(toEventRow({ eventType: 'x' }, context({ userAgent: undefined })))).toMatchObject({
      browser: '',
      os: '',
      device_type: '',
    });
  });

  it('refuses an event whose stored size exceeds MAX_EVENT_BYTES, counting UTF-8 bytes', () => {
    const fits = { eventType: 'x', metadata: { text: 'a'.repeat(MAX_EVENT_BYTES - 100) } };
    expect(toEventRow(fits, context()).ok).toBe(true);
    // 12,000 three-byte characters: 36,000 bytes although only 12,000 code units; plus the
    // properties' JSON punctuation (11) and the event type (1).
    const wide = { eventType: 'x', metadata: { text: '€'.repeat(12_000) } };
    expect(toEventRow(wide, context())).toEqual({
      ok: false,
      code: 'event_too_large',
      message: `The event is 36012 bytes; the limit is ${MAX_EVENT_BYTES}`,
    });
  });
});

describe('segmentToEventRow', () => {
  const base = { anonymousId: 'anon-1', messageId: 'ajs-next-abc', timestamp: '2026-11-21T09:00:00.000Z' };
  const segment = (message: Record<string, unknown>, envelope = {}) =>
    rowOf(segmentToEventRow({ ...base, ...message } as SegmentMessage, context(), envelope));

  it.each<[string, Record<string, unknown>, Partial<EventRow>]>([
    [
      'track: event name and properties',
      { type: 'track', event: 'Order Completed', userId: 42, properties: { revenue: 10 } },
      { event_type: 'track', name: 'Order Completed', user_id: '42', properties: '{"revenue":10}' },
    ],
    [
      'page: a pageview, URL parts from properties',
      {
        type: 'page',
        name: 'Pricing',
        properties: {
          url: 'https://x.io/pricing?utm_source=ads',
          title: 'Pricing',
          referrer: 'https://www.bing.com/',
        },
      },
      {
        event_type: 'pageview',
        name: 'Pricing',
        url: 'https://x.io/pricing?utm_source=ads',
        host: 'x.io',
        path: '/pricing',
        title: 'Pricing',
        referrer: 'https://www.bing.com/',
        referrer_domain: 'bing.com',
        utm_source: 'ads',
      },
    ],
    [
      'page: context.page when properties lack the URL',
      { type: 'page', context: { page: { url: 'https://x.io/a', title: 'A', referrer: 'https://t.co/x' } } },
      {
        event_type: 'pageview',
        name: '',
        url: 'https://x.io/a',
        path: '/a',
        title: 'A',
        referrer_domain: 't.co',
      },
    ],
    [
      'page: only a path',
      { type: 'page', properties: { path: '/only/path' } },
      { url: '', host: '', path: '/only/path' },
    ],
    [
      'screen: name and device context',
      {
        type: 'screen',
        name: 'Settings',
        context: { userAgent: SAFARI_IPHONE, locale: 'fr-FR', screen: { width: 390.4, height: 100_000 } },
      },
      {
        event_type: 'screen',
        name: 'Settings',
        locale: 'fr-FR',
        screen_width: 390,
        screen_height: 65_535,
        browser: 'Mobile Safari',
        device_type: 'mobile',
      },
    ],
    [
      'identify: traits as properties',
      { type: 'identify', userId: 'u-9', traits: { email: 'a@b.c' } },
      { event_type: 'identify', name: '', user_id: 'u-9', properties: '{"email":"a@b.c"}' },
    ],
    [
      'identify: traits from context when not at the top level',
      { type: 'identify', userId: 'u-9', context: { traits: { plan: 'free' } } },
      { event_type: 'identify', properties: '{"plan":"free"}' },
    ],
    [
      'group: the group id as name, traits as properties',
      { type: 'group', groupId: 'acme', traits: { plan: 'pro' } },
      { event_type: 'group', name: 'acme', properties: '{"plan":"pro"}' },
    ],
    [
      'alias: the previous id as name',
      { type: 'alias', userId: 'u-1', previousId: 'anon-1' },
      { event_type: 'alias', name: 'anon-1', properties: '{}' },
    ],
    [
      'track events carry context.page too (analytics.js)',
      { type: 'track', event: 'Click', context: { page: { url: 'https://x.io/cart', referrer: '' } } },
      { url: 'https://x.io/cart', path: '/cart', host: 'x.io' },
    ],
    [
      'context.campaign wins per field; URL parameters fill the rest',
      {
        type: 'page',
        properties: { url: 'https://x.io/?utm_source=url&utm_medium=email&utm_term=t' },
        context: { campaign: { source: 'ctx', name: 'spring' } },
      },
      { utm_source: 'ctx', utm_medium: 'email', utm_campaign: 'spring', utm_term: 't', utm_content: '' },
    ],
    [
      'messageId that is not a UUID: a stable UUID',
      { type: 'track', event: 'x' },
      { event_id: stableUuid(APP_ID, 'ajs-next-abc'), ts: '2026-11-21 09:00:00.000' },
    ],
    [
      'originalTimestamp when timestamp is absent',
      { type: 'track', event: 'x', timestamp: undefined, originalTimestamp: '2026-11-21T09:30:00Z' },
      { ts: '2026-11-21 09:30:00.000' },
    ],
  ])('%s', (_name, message, fields) => {
    expect(segment(message)).toMatchObject(fields);
  });

  it('takes sentAt and context from the batch when a message has none of its own', () => {
    const row = segment(
      { type: 'track', event: 'x', timestamp: '2026-11-21T09:59:00.000Z', context: { locale: 'de-DE' } },
      { sentAt: '2026-11-21T09:59:30.000Z', context: { locale: 'en-US', userAgent: SAFARI_IPHONE } },
    );
    expect(row).toMatchObject({ ts: '2026-11-21 09:59:30.000', locale: 'de-DE', browser: 'Mobile Safari' });
  });
});

describe('toQuarantineRow', () => {
  const rejection = { code: 'invalid_field', message: 'url must be at most 2048 characters' };

  it('stores the item as JSON text with the reason and the source', () => {
    expect(
      toQuarantineRow({ eventType: 'x', url: 'u' }, rejection, context(), '/api/events/track/batch'),
    ).toEqual({
      app_id: APP_ID,
      received_at: '2026-11-21 10:00:00.000',
      reason: 'invalid_field',
      message: 'url must be at most 2048 characters',
      payload: '{"eventType":"x","url":"u"}',
      source: '/api/events/track/batch',
    });
  });

  it('stores raw bytes of an unparseable body as text, invalid UTF-8 replaced', () => {
    const body = Buffer.from([0x7b, 0x22, 0xff, 0x22]);
    expect(toQuarantineRow(body, rejection, context(), '/v1/batch').payload).toBe('{"\ufffd"');
  });

  it('cuts large payloads to MAX_QUARANTINE_PAYLOAD_CHARS', () => {
    const row = toQuarantineRow({ text: 'x'.repeat(100_000) }, rejection, context(), 's');
    expect(row.payload).toHaveLength(MAX_QUARANTINE_PAYLOAD_CHARS);
    expect(row.payload.startsWith('{"text":"xxx')).toBe(true);
  });
});

describe('truncate', () => {
  it.each<[string, number, string]>([
    ['short', 10, 'short'],
    ['abcdef', 3, 'abc'],
    ['ab😀', 3, 'ab'],
    ['ab😀', 4, 'ab😀'],
  ])('%j to %d', (text, max, expected) => {
    expect(truncate(text, max)).toBe(expected);
  });
});
