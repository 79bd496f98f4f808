// The edge's HTTP contract on a real port: status codes, per-item answers, stored rows.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registered } from '../../control-plane/testing/harness.ts';
import { createEdgeHarness, type EdgeHarness } from '../testing/edge-harness.ts';

let h: EdgeHarness;
let owner: Registered;
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

beforeAll(async () => {
  h = await createEdgeHarness();
  owner = await h.cp.register();
});
afterAll(() => h.close());

const count = (appId: string, expected: number, table = 'events') =>
  h.waitFor(`SELECT count() FROM ${table} WHERE app_id = {app:UUID}`, { app: appId }, expected);
const body = async (response: Response) => (await response.json()) as Record<string, unknown>;

describe('POST /api/events/track and /batch', () => {
  it('stores one event with enrichment and answers 202 after it is durable', async () => {
    const eventId = crypto.randomUUID();
    const response = await h.send(
      '/api/events/track',
      {
        eventType: 'pageview',
        eventId,
        userId: 'u-1',
        sessionId: 's-1',
        url: 'https://shop.example.com/products/42?utm_source=news&utm_campaign=fall',
        referrer: 'https://www.google.com/search?q=x',
        screenWidth: 1920,
        screenHeight: 1080,
        metadata: { plan: 'pro', nested: { a: 1 } },
      },
      { key: owner.keys.server.key, headers: { 'user-agent': CHROME } },
    );
    expect(response.status).toBe(202);
    expect(await body(response)).toEqual({ accepted: 1, rejected: [] });
    expect(await count(owner.app.id, 1)).toBe(1);
    const [row] = await h.ch.query<Record<string, string>>(
      'SELECT * FROM events WHERE app_id = {app:UUID} AND event_id = {id:UUID}',
      { params: { app: owner.app.id, id: eventId } },
    );
    expect(row).toMatchObject({
      event_type: 'pageview',
      user_id: 'u-1',
      session_id: 's-1',
      host: 'shop.example.com',
      path: '/products/42',
      referrer_domain: 'google.com',
      utm_source: 'news',
      utm_campaign: 'fall',
      browser: 'Chrome',
      os: 'Windows',
      device_type: 'desktop',
      screen_width: 1920,
      screen_height: 1080,
      retention_days: 365,
    });
    expect(JSON.parse(row?.properties ?? '{}')).toEqual({ plan: 'pro', nested: { a: 1 } });
  });

  it('answers a batch per item and quarantines the rejected ones', async () => {
    const fresh = await h.cp.register();
    const response = await h.send(
      '/api/events/track/batch',
      {
        events: [
          { eventType: 'click' },
          { userId: 'no type' },
          { eventType: 'view', screenWidth: -5 },
          { eventType: 'x' },
        ],
      },
      { key: fresh.keys.server.key },
    );
    expect(response.status).toBe(202);
    const answer = (await body(response)) as {
      accepted: number;
      rejected: { index: number; code: string; message: string }[];
    };
    expect(answer.accepted).toBe(2);
    expect(answer.rejected.map((r) => r.index)).toEqual([1, 2]);
    for (const rejection of answer.rejected) {
      expect(rejection.code).toMatch(/^[a-z_]+$/);
      expect(rejection.message.length).toBeGreaterThan(0);
    }
    expect(await count(fresh.app.id, 2)).toBe(2);
    expect(await count(fresh.app.id, 2, 'events_quarantine')).toBe(2);
  });

  it('answers 400 when every item is bad, still quarantining them', async () => {
    const fresh = await h.cp.register();
    const response = await h.send(
      '/api/events/track/batch',
      { events: [{}, { eventType: 7 }] },
      { key: fresh.keys.server.key },
    );
    expect(response.status).toBe(400);
    const answer = (await body(response)) as {
      accepted: number;
      rejected: unknown[];
      error: { code: string };
    };
    expect(answer.accepted).toBe(0);
    expect(answer.rejected).toHaveLength(2);
    expect(answer.error.code).toBe('invalid_events');
    expect(await count(fresh.app.id, 2, 'events_quarantine')).toBe(2);
  });

  it('quarantines an authenticated body that is not JSON, with its reason and route', async () => {
    const fresh = await h.cp.register();
    const response = await h.send('/api/events/track/batch', '{"events": [', {
      key: fresh.keys.server.key,
      raw: true,
    });
    expect(response.status).toBe(400);
    expect(((await body(response)) as { error: { code: string } }).error.code).toBe('invalid_json');
    expect(await count(fresh.app.id, 1, 'events_quarantine')).toBe(1);
    const [row] = await h.ch.query<{ reason: string; source: string; payload: string }>(
      'SELECT reason, source, payload FROM events_quarantine WHERE app_id = {app:UUID}',
      { params: { app: fresh.app.id } },
    );
    expect(row).toEqual({
      reason: 'invalid_json',
      source: '/api/events/track/batch',
      payload: '{"events": [',
    });
  });

  it('refuses batches over the event limit with 413', async () => {
    const events = Array.from({ length: 1001 }, () => ({ eventType: 'x' }));
    const response = await h.send('/api/events/track/batch', { events }, { key: owner.keys.server.key });
    expect(response.status).toBe(413);
    expect(((await body(response)) as { error: { code: string } }).error.code).toBe('batch_too_large');
  });

  it('accepts gzip bodies and text/plain beacons with the key in the query', async () => {
    const fresh = await h.cp.register();
    const gz = await h.send(
      '/api/events/track/batch',
      { events: [{ eventType: 'gz' }] },
      { key: fresh.keys.server.key, gzip: true },
    );
    expect(gz.status).toBe(202);
    const beacon = await fetch(`${h.url}/api/events/track/batch?key=${fresh.keys.server.key}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ events: [{ eventType: 'beacon' }] }),
    });
    expect(beacon.status).toBe(202);
    expect(await count(fresh.app.id, 2)).toBe(2);
  });

  it('refuses oversized bodies and gzip bombs with 413', async () => {
    const big = await h.send(
      '/api/events/track',
      `{"eventType":"x","metadata":{"p":"${'a'.repeat(1_100_000)}"}}`,
      {
        key: owner.keys.server.key,
        raw: true,
      },
    );
    expect(big.status).toBe(413);
    // 64 MiB of zeros compresses to ~64 KiB: well under the body limit, far over the inflate cap.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const response = await fetch(`${h.url}/api/events/track`, {
      method: 'POST',
      headers: {
        'x-api-key': owner.keys.server.key,
        'content-encoding': 'gzip',
        'content-type': 'application/json',
      },
      body: bomb,
    });
    expect(response.status).toBe(413);
    expect(((await body(response)) as { error: { code: string } }).error.code).toBe('body_too_large');
  });
});

describe('keys', () => {
  it.each([
    [undefined, 401, 'key_missing'],
    ['cs_sk_notakey', 401, 'key_malformed'],
  ])('refuses key %j with %i %s', async (key, status, code) => {
    const response = await h.send('/api/events/track', { eventType: 'x' }, key ? { key } : {});
    expect(response.status).toBe(status);
    expect(((await body(response)) as { error: { code: string } }).error.code).toBe(code);
  });

  it('refuses a mistyped key by checksum', async () => {
    const key = owner.keys.server.key;
    const typo = `${key.slice(0, 12)}${key[12] === 'A' ? 'B' : 'A'}${key.slice(13)}`;
    const response = await h.send('/api/events/track', { eventType: 'x' }, { key: typo });
    expect(((await body(response)) as { error: { code: string } }).error.code).toBe('key_checksum');
  });

  it('stops accepting a revoked key within one second', async () => {
    const fresh = await h.cp.register();
    const key = fresh.keys.server.key;
    expect((await h.send('/api/events/track', { eventType: 'x' }, { key })).status).toBe(202);
    const revoked = await h.cp.request('DELETE', `/api/keys/${fresh.keys.server.id}`, {
      token: fresh.accessToken,
    });
    expect(revoked.status).toBe(200);
    const started = Date.now();
    let status = 202;
    while (status === 202 && Date.now() - started < 1000) {
      status = (await h.send('/api/events/track', { eventType: 'x' }, { key })).status;
    }
    expect(status).toBe(401);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('limits browser keys to the app’s allowed origins and answers CORS for them', async () => {
    const fresh = await h.cp.register();
    await h.cp.request('PATCH', `/api/apps/${fresh.app.id}`, {
      token: fresh.accessToken,
      body: { allowedOrigins: ['https://shop.example.com'] },
    });
    const key = fresh.keys.browser.key;
    const from = (origin?: string) =>
      h.send('/api/events/track', { eventType: 'x' }, { key, headers: origin ? { origin } : {} });
    const allowed = await from('https://shop.example.com');
    expect(allowed.status).toBe(202);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    expect(allowed.headers.get('access-control-expose-headers')).toBe('Retry-After');
    const wrong = await from('https://evil.example.com');
    expect(wrong.status).toBe(403);
    expect(((await body(wrong)) as { error: { code: string } }).error.code).toBe('origin_not_allowed');
    // The refusing page can read the 403, so its tracker stops instead of retrying.
    expect(wrong.headers.get('access-control-allow-origin')).toBe('https://evil.example.com');
    expect((await from()).status).toBe(403);
    const preflight = await fetch(`${h.url}/api/events/track`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-api-key');
    expect(await count(fresh.app.id, 1)).toBe(1);
  });
});

describe('metrics endpoint', () => {
  it('checks samples against the app’s metric configs', async () => {
    const fresh = await h.cp.register();
    const created = await h.cp.request('POST', '/api/metric-configs', {
      token: fresh.accessToken,
      body: { appId: fresh.app.id, name: 'checkout_total', type: 'counter', labelNames: ['plan'] },
    });
    expect(created.status).toBe(201);
    const response = await h.send(
      '/api/v1/metrics',
      {
        samples: [
          { name: 'checkout_total', value: 1, labels: { plan: 'pro' } },
          { name: 'unknown_metric', value: 1 },
          { name: 'checkout_total', value: 1, labels: { country: 'FR' } },
          { name: 'checkout_total', value: -3 },
        ],
      },
      { key: fresh.keys.server.key },
    );
    expect(response.status).toBe(202);
    const answer = (await body(response)) as {
      accepted: number;
      rejected: { index: number; code: string }[];
    };
    expect(answer.accepted).toBe(1);
    expect(answer.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'unknown_metric'],
      [2, 'label_not_allowed'],
      [3, 'negative_counter_increment'],
    ]);
    expect(await count(fresh.app.id, 1, 'metric_samples')).toBe(1);
  });
});

describe('operations endpoints', () => {
  it('serves health, readiness, Prometheus metrics and 404s', async () => {
    expect((await fetch(`${h.url}/health`)).status).toBe(200);
    const ready = await fetch(`${h.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { spool: 'ok', clickhouse: 'ok', postgres: 'ok', redis: 'ok' },
    });
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    for (const name of [
      'ingest_events_accepted_total',
      'ingest_events_rejected_total',
      'ingest_request_duration_seconds_bucket',
      'ingest_spool_bytes',
      'ingest_spool_oldest_age_seconds',
      'ingest_flush_rows_bucket',
      'ingest_key_cache_lookups_total',
    ]) {
      expect(metrics).toContain(name);
    }
    const missing = await fetch(`${h.url}/api/nothing`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

describe('browser tracker', () => {
  it('serves the tracker at /sdk/v1.js, built from source when no prebuilt file exists', async () => {
    const response = await fetch(`${h.url}/sdk/v1.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/javascript/);
    const code = await response.text();
    expect(code.length).toBeGreaterThan(1000);
    expect(code).toContain('/api/events/track/batch');
  });
});
