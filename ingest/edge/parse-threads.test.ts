// INGEST_PARSE_THREADS: large batch bodies parsed in a worker thread must be indistinguishable
// from the inline path. Two edges on the same stores, one with a parse worker and one without,
// get the same requests; answers, stored rows, quarantine rows and metrics must match.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registered } from '../../control-plane/testing/harness.ts';
import { OFFLOAD_MIN_BYTES } from '../offload/index.ts';
import { createEdgeHarness, type EdgeHarness, type SiblingEdge } from '../testing/edge-harness.ts';

let h: EdgeHarness;
let inline: SiblingEdge;
beforeAll(async () => {
  h = await createEdgeHarness({ INGEST_PARSE_THREADS: '1' });
  inline = await h.sibling({ INGEST_PARSE_THREADS: '0' });
});
afterAll(() => h.close());

const PADDING = 'x'.repeat(300);

/** 60 events with a 300-byte pad each: well past the offload threshold, with every 7th one invalid. */
function mixedBatch(): { events: unknown[] } {
  const events = Array.from({ length: 60 }, (_, i) =>
    i % 7 === 3
      ? { userId: `u-${i}`, metadata: { pad: PADDING } }
      : i % 7 === 5
        ? { eventType: 'pageview', userId: `u-${i}`, screenWidth: 'wide' }
        : {
            eventType: i % 2 ? 'click' : 'pageview',
            userId: `u-${i}`,
            url: `https://shop.example.com/p/${i}?utm_source=mail`,
            timestamp: new Date(Date.now() - 60_000 + i).toISOString(),
            metadata: { pad: PADDING, i },
          },
  );
  return { events };
}

async function post(url: string, path: string, body: string, headers: Record<string, string>) {
  expect(Buffer.byteLength(body)).toBeGreaterThanOrEqual(OFFLOAD_MIN_BYTES);
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'parse-threads-test/1.0', ...headers },
    body,
  });
  return { status: response.status, body: await response.json() };
}

async function counter(url: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return Number(line?.split(' ').at(-1) ?? 0);
}

const EVENT_COLUMNS =
  'event_type, name, ts, user_id, url, host, path, utm_source, browser, os, screen_width, properties, retention_days';

async function storedRows(owner: Registered, expectedEvents: number, expectedQuarantine: number) {
  const app = owner.app.id;
  expect(
    await h.waitFor('SELECT count() FROM events WHERE app_id = {app:UUID}', { app }, expectedEvents),
  ).toBe(expectedEvents);
  expect(
    await h.waitFor(
      'SELECT count() FROM events_quarantine WHERE app_id = {app:UUID}',
      { app },
      expectedQuarantine,
    ),
  ).toBe(expectedQuarantine);
  const events = await h.ch.query(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE app_id = {app:UUID} ORDER BY user_id`,
    { params: { app } },
  );
  const quarantine = await h.ch.query(
    'SELECT reason, message, payload, source FROM events_quarantine WHERE app_id = {app:UUID} ORDER BY payload',
    { params: { app } },
  );
  return { events, quarantine };
}

describe('batch bodies in a parse worker (INGEST_PARSE_THREADS=1)', () => {
  it('answers, stores, quarantines and counts a mixed batch exactly as the inline path', async () => {
    const [viaWorker, viaInline] = [await h.cp.register(), await h.cp.register()];
    const body = JSON.stringify(mixedBatch());
    const labels = 'endpoint="batch",reason="missing_event_type"';
    const before = {
      worker: await counter(h.url, 'ingest_events_rejected_total', labels),
      inline: await counter(inline.url, 'ingest_events_rejected_total', labels),
    };
    const tasksBefore = h.edge.parseStats().tasks;

    const worker = await post(h.url, '/api/events/track/batch', body, {
      'x-api-key': viaWorker.keys.server.key,
    });
    const direct = await post(inline.url, '/api/events/track/batch', body, {
      'x-api-key': viaInline.keys.server.key,
    });

    expect(h.edge.parseStats().tasks).toBe(tasksBefore + 1);
    expect(inline.edge.parseStats()).toEqual({ threads: 0, tasks: 0 });
    expect(worker.status).toBe(202);
    expect(worker).toEqual(direct);
    expect(worker.body).toMatchObject({ accepted: 43 });
    expect((worker.body as { rejected: unknown[] }).rejected).toHaveLength(17);

    const stored = await storedRows(viaWorker, 43, 17);
    expect(stored).toEqual(await storedRows(viaInline, 43, 17));
    expect(stored.events[0]).toMatchObject({ host: 'shop.example.com', utm_source: 'mail' });
    expect(stored.quarantine.map((row) => (row as { source: string }).source)).toContain(
      '/api/events/track/batch',
    );

    expect((await counter(h.url, 'ingest_events_rejected_total', labels)) - before.worker).toBe(9);
    expect((await counter(inline.url, 'ingest_events_rejected_total', labels)) - before.inline).toBe(9);
    expect(await counter(h.url, 'ingest_events_accepted_total', 'endpoint="batch"')).toBe(
      await counter(inline.url, 'ingest_events_accepted_total', 'endpoint="batch"'),
    );
  });

  it('gives Segment /v1/batch (Basic auth) and unparsable bodies the same answers as inline', async () => {
    const [viaWorker, viaInline] = [await h.cp.register(), await h.cp.register()];
    const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });
    const segment = JSON.stringify({
      batch: Array.from({ length: 50 }, (_, i) =>
        i === 4
          ? { type: 'nonsense', userId: 'x' }
          : {
              type: 'track',
              event: 'Viewed',
              userId: `s-${i}`,
              timestamp: new Date(Date.now() - 60_000 + i).toISOString(),
              properties: { pad: PADDING },
            },
      ),
    });
    const tasksBefore = h.edge.parseStats().tasks;
    const worker = await post(h.url, '/v1/batch', segment, basic(viaWorker.keys.server.key));
    const direct = await post(inline.url, '/v1/batch', segment, basic(viaInline.keys.server.key));
    expect(worker.status).toBe(202);
    expect(worker).toEqual(direct);

    const broken = `${JSON.stringify(mixedBatch()).slice(0, -2)},]}`;
    const brokenWorker = await post(h.url, '/api/events/track/batch', broken, {
      'x-api-key': viaWorker.keys.server.key,
    });
    const brokenInline = await post(inline.url, '/api/events/track/batch', broken, {
      'x-api-key': viaInline.keys.server.key,
    });
    expect(brokenWorker.status).toBe(400);
    expect(brokenWorker).toEqual(brokenInline);
    expect(h.edge.parseStats().tasks).toBe(tasksBefore + 2);

    // The unparsable body is quarantined whole, the same from either thread.
    const stored = await storedRows(viaWorker, 49, 2);
    expect(stored).toEqual(await storedRows(viaInline, 49, 2));
    expect(stored.quarantine.map((row) => (row as { reason: string }).reason).sort()).toEqual([
      'invalid_json',
      'unknown_message_type',
    ]);
  });

  it('refuses __proto__ payloads in the worker and leaves its prototypes clean', async () => {
    const owner = await h.cp.register();
    const key = { 'x-api-key': owner.keys.server.key };
    const events = mixedBatch().events;
    const attacks = [
      `{"events":[{"__proto__":{"eventType":"pwned"}},${JSON.stringify(events).slice(1)}}`,
      `{"events":[{"\\u005f_proto__":{"eventType":"pwned"}},${JSON.stringify(events).slice(1)}}`,
      `{"events":[{"constructor":{"prototype":{"eventType":"pwned"}}},${JSON.stringify(events).slice(1)}}`,
    ];
    for (const attack of attacks) {
      const answer = await post(h.url, '/api/events/track/batch', attack, key);
      expect(answer).toMatchObject({ status: 400, body: { error: { code: 'forbidden_key' } } });
    }
    // Were Object.prototype.eventType set in the worker, an event without one would pass.
    const probe = JSON.stringify({ events: [{ userId: 'probe', metadata: { pad: PADDING.repeat(60) } }] });
    const answer = await post(h.url, '/api/events/track/batch', probe, key);
    expect(answer).toMatchObject({
      status: 400,
      body: { accepted: 0, error: { code: 'missing_event_type' } },
    });
  });

  it('stops the worker threads when the edge closes', async () => {
    const edge = await h.sibling({ INGEST_PARSE_THREADS: '2' });
    expect(edge.edge.parseStats().threads).toBe(2);
    await edge.close();
    expect(edge.edge.parseStats().threads).toBe(0);
  });
});
