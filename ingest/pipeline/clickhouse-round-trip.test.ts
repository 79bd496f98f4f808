// The pipeline's JSONEachRow text inserted into the real tables (embedded ClickHouse 26.x with
// the shipped migrations) and read back column by column. This proves the row format matches the
// schema, that no insert settings are needed, and that hostile text cannot produce a row the
// engine refuses: one such row would fail a whole flushed batch.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedClickHouse } from '../../clickhouse/embedded/index.ts';
import type { ClickHouse } from '../../clickhouse/index.ts';
import { runMigrations } from '../../clickhouse/migrations/index.ts';
import { silentLogger } from '../../runtime/logger/index.ts';
import { tempDir } from '../../runtime/testing/services.ts';
import { parseJsonBody } from './parse.ts';
import { processMetricSamples, processSegmentBatch, processTrackBatch } from './process.ts';
import type { PipelineContext } from './types.ts';
import { createUuidV7Generator } from './uuid.ts';
import { readSegmentBatch, readTrackBatch } from './validate.ts';

// Far beyond the test's dates, so TTL merges can never remove rows mid-test.
const RETENTION_DAYS = 3650;

let ch: ClickHouse;
let dataDir: string;

beforeAll(async () => {
  dataDir = await tempDir('pipeline-round-trip');
  ch = await createEmbeddedClickHouse({ dataDir, database: 'analytics', logger: silentLogger() });
  await runMigrations(ch, { logger: silentLogger() });
});

afterAll(async () => {
  await ch?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A fresh app per test, so tests share the engine but never each other's rows. */
function context(): PipelineContext {
  return {
    appId: crypto.randomUUID(),
    retentionDays: RETENTION_DAYS,
    receivedAt: Date.now(),
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    newEventId: createUuidV7Generator(),
    country: 'NL',
  };
}

/** Sorts rows by columns in code-unit order, which matches ClickHouse's byte order for this data. */
const byColumns =
  (...columns: string[]) =>
  (a: Record<string, unknown>, b: Record<string, unknown>) => {
    for (const column of columns) {
      const [x, y] = [a[column], b[column]];
      if (x !== y)
        return typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : 1;
    }
    return 0;
  };

const lines = (text: string) =>
  text
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

function parsed(body: string): unknown {
  const result = parseJsonBody(Buffer.from(body, 'utf8'), { maxDepth: 32 });
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.value;
}

async function stored(table: string, appId: string, orderBy: string): Promise<Record<string, unknown>[]> {
  return ch.query(`SELECT * FROM ${table} WHERE app_id = {appId:UUID} ORDER BY ${orderBy}`, {
    params: { appId },
  });
}

// Text that has broken JSON-to-database pipelines: quotes, backslashes, control characters,
// line separators, non-BMP characters, escaped lone surrogates, escapes that spell other text.
const HOSTILE = [
  'say "hi" \\ \\\\ \\" bye',
  'tab\there\nnewline\r\u0000nul\u001funit',
  'line\u2028separator\u2029paragraph',
  'emoji 😀 cjk 日本語 rtl עברית',
  '\\ud800 is not an escape here',
  '{"looks":"like json"}',
  "'; DROP TABLE events; --",
];

describe('events rows', () => {
  it('store every column exactly as the pipeline wrote it', async () => {
    const ctx = context();
    const events = HOSTILE.map((text, i) => ({
      eventType: i % 2 === 0 ? 'pageview' : 'custom "type"',
      name: text,
      eventId: i === 0 ? '0190C1C8-8F4C-7CC3-9A5E-6C1A2B3C4D5E' : `client-id-${i}`,
      userId: text,
      anonymousId: `anon-${i}`,
      sessionId: `s-${i}`,
      url: `https://Example.com:8443/p/${encodeURIComponent(text)}?utm_source=${encodeURIComponent(text)}&utm_medium=m`,
      referrer: 'https://www.google.com/search?q=x',
      title: text,
      locale: 'en-US',
      screenWidth: 65_535,
      screenHeight: 0,
      timestamp: ctx.receivedAt - 60_000 * i,
      sentAt: ctx.receivedAt,
      metadata: { text, nested: { deep: [text, 1.5, null, true] }, big: 1e300 },
    }));
    // Escaped lone surrogates and escaped key spellings go through the parser's slow path.
    const body = JSON.stringify({ events }).replace('"anon-0"', '"anon-\\ud800\\u0030"');
    const batch = readTrackBatch(parsed(body));
    if (!batch.ok) throw new Error(batch.message);
    const result = processTrackBatch(batch.value.items, ctx, '/api/events/track/batch', batch.value.envelope);
    expect(result.rejected).toEqual([]);

    await ch.insert('events', { jsonEachRow: Buffer.from(result.rows, 'utf8') });

    const written = lines(result.rows);
    expect(written[0]).toMatchObject({
      anonymous_id: 'anon-\ufffd0',
      event_id: '0190c1c8-8f4c-7cc3-9a5e-6c1a2b3c4d5e',
    });
    const rows = await stored('events', ctx.appId, 'anonymous_id');
    expect(rows).toHaveLength(HOSTILE.length);
    expect(rows).toEqual(written.sort(byColumns('anonymous_id')));
  });

  it('store Segment messages of every type, with the batch context applied', async () => {
    const ctx = context();
    const batch = readSegmentBatch(
      parsed(
        JSON.stringify({
          sentAt: new Date(ctx.receivedAt).toISOString(),
          context: {
            locale: 'fr-FR',
            userAgent: 'Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0',
          },
          writeKey: 'ignored here',
          batch: [
            {
              type: 'track',
              event: HOSTILE[0],
              userId: 42,
              properties: { revenue: 9.99 },
              messageId: 'ajs-next-1',
            },
            {
              type: 'page',
              anonymousId: 'a',
              name: HOSTILE[1],
              properties: { url: 'https://x.io/?utm_campaign=c' },
            },
            {
              type: 'screen',
              anonymousId: 'a',
              name: 'Home',
              context: { screen: { width: 1e9, height: 12.6 } },
            },
            { type: 'identify', userId: 'u', traits: { email: HOSTILE[3] } },
            { type: 'group', userId: 'u', groupId: 7, traits: {} },
            { type: 'alias', userId: 'u', previousId: 'a' },
          ],
        }),
      ),
    );
    if (!batch.ok) throw new Error(batch.message);
    const result = processSegmentBatch(batch.value.items, ctx, '/v1/batch', batch.value.envelope);
    expect(result.accepted).toBe(6);

    await ch.insert('events', { jsonEachRow: result.rows });

    const rows = await stored('events', ctx.appId, 'event_type');
    expect(rows).toEqual(lines(result.rows).sort(byColumns('event_type')));
    expect(
      rows.map((row) => [row.event_type, row.screen_width, row.screen_height, row.locale, row.browser]),
    ).toEqual([
      ['alias', 0, 0, 'fr-FR', 'Firefox'],
      ['group', 0, 0, 'fr-FR', 'Firefox'],
      ['identify', 0, 0, 'fr-FR', 'Firefox'],
      ['pageview', 0, 0, 'fr-FR', 'Firefox'],
      ['screen', 65_535, 13, 'fr-FR', 'Firefox'],
      ['track', 0, 0, 'fr-FR', 'Firefox'],
    ]);
  });

  it('store a full 100-event batch in one insert', async () => {
    const ctx = context();
    const items = Array.from({ length: 100 }, (_, i) => ({
      eventType: 'pageview',
      url: `https://x.io/${i}`,
    }));
    const result = processTrackBatch(items, ctx, '/api/events/track/batch');
    await ch.insert('events', { jsonEachRow: result.rows });
    expect(
      await ch.query(
        'SELECT count() AS n, uniqExact(event_id) AS ids FROM events WHERE app_id = {appId:UUID}',
        {
          params: { appId: ctx.appId },
        },
      ),
    ).toEqual([{ n: '100', ids: '100' }]);
  });
});

describe('the engine', () => {
  it('refuses a whole batch over one lone-surrogate escape, which is why the pipeline never writes one', async () => {
    const appId = crypto.randomUUID();
    const good = `{"app_id":"${appId}","event_type":"ok"}\n`;
    const poison = `{"app_id":"${appId}","event_type":"bad","name":"\\ud800"}\n`;
    await expect(ch.insert('events', { jsonEachRow: good + poison })).rejects.toThrow(/surrogate/i);
    expect(await stored('events', appId, 'event_type')).toEqual([]);
  });
});

describe('events_quarantine rows', () => {
  it('store each rejected item with its reason, message, payload and source', async () => {
    const ctx = context();
    const items = [
      { name: HOSTILE[0] },
      HOSTILE[1],
      { eventType: 'x', metadata: { blob: `${'😀'.repeat(40_000)}` } },
      { eventType: 'x', timestamp: 'not a time' },
    ];
    const result = processTrackBatch(items, ctx, '/api/events/track/batch');
    expect(result.rejected.map((rejection) => rejection.code)).toEqual([
      'missing_event_type',
      'invalid_event',
      'event_too_large',
      'invalid_field',
    ]);

    await ch.insert('events_quarantine', { jsonEachRow: result.quarantine });

    const rows = await stored('events_quarantine', ctx.appId, 'reason, payload');
    const written = lines(result.quarantine);
    expect(rows).toHaveLength(4);
    expect(rows).toEqual(written.sort(byColumns('reason', 'payload')));
  });
});

describe('metric_samples rows', () => {
  it('store labels as a Map, the histogram bounds and the enum type', async () => {
    const ctx = context();
    const result = processMetricSamples(
      {
        samples: [
          { name: 'signups_total', value: 3, labels: { plan: HOSTILE[0] } },
          { name: 'load_seconds', value: 0.125, labels: {} },
          { name: 'queue_depth', value: -1.5e-10, timestamp: ctx.receivedAt - 1000 },
          { name: 'queue_depth', value: 1.7976931348623157e308 },
        ],
      },
      [
        { name: 'signups_total', type: 'counter', labelNames: ['plan'], buckets: null, enabled: true },
        {
          name: 'load_seconds',
          type: 'histogram',
          labelNames: [],
          buckets: [0.05, 0.1, 0.25, 1],
          enabled: true,
        },
        { name: 'queue_depth', type: 'gauge', labelNames: [], buckets: null, enabled: true },
      ],
      ctx,
    );
    expect(result.accepted).toBe(4);

    await ch.insert('metric_samples', { jsonEachRow: result.rows });

    const rows = await stored('metric_samples', ctx.appId, 'name, value');
    expect(rows).toHaveLength(4);
    expect(rows).toEqual(lines(result.rows).sort(byColumns('name', 'value')));
  });
});
