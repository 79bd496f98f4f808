// Exports against stored events: NDJSON and CSV parsed back row by row and compared with the
// generated events (range, event-type filter, limit), and Parquet read back by ClickHouse itself.
// The body arrives in several chunks, so it is streamed, not built in memory first.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registered } from '../../control-plane/testing/harness.ts';
import { tempDir } from '../../runtime/testing/services.ts';
import {
  bearer,
  generateEvents,
  inRange,
  insertEvents,
  openFixture,
  type QueryApiFixture,
  qs,
  type TestEvent,
} from '../testing/index.ts';
import { EXPORT_BLOCK_ROWS, EXPORT_COLUMNS } from './index.ts';

const DATA_FROM = Date.UTC(2026, 2, 2);
const DATA_TO = Date.UTC(2026, 2, 23);

let fx: QueryApiFixture;
let owner: Registered;
let stored: TestEvent[];

beforeAll(async () => {
  fx = await openFixture('export');
  owner = await fx.owner('Asia/Tokyo');
  const other = await fx.owner();
  stored = generateEvents({ appId: owner.app.id, seed: 91, from: DATA_FROM, to: DATA_TO, visitors: 800 });
  const noise = generateEvents({
    appId: other.app.id,
    seed: 92,
    from: DATA_FROM,
    to: DATA_TO,
    visitors: 50,
    marker: 'x-',
  });
  await insertEvents(fx.ch, [...stored, ...noise]);
});
afterAll(() => fx?.close());

async function download(params: Record<string, string | string[] | number>) {
  const response = await fx.get(
    `/api/analytics/export?${qs({ appId: owner.app.id, ...params })}`,
    bearer(owner),
  );
  const chunks: Uint8Array[] = [];
  const reader = response.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    chunks.push(next.value);
  }
  return { response, chunks, bytes: Buffer.concat(chunks) };
}

/** Storage order: UTC day, event type, name, time. */
function storageOrder(events: TestEvent[]): TestEvent[] {
  const key = (e: TestEvent) => [new Date(e.ts).toISOString().slice(0, 10), e.event_type, e.name];
  return [...events].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    for (let i = 0; i < ka.length; i += 1) if (ka[i] !== kb[i]) return (ka[i] ?? '') < (kb[i] ?? '') ? -1 : 1;
    return a.ts - b.ts;
  });
}

const tokyo = (ms: number) => new Date(ms + 9 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

describe('GET /api/analytics/export', () => {
  it('streams NDJSON with every event of the range in storage order', async () => {
    const { response, chunks, bytes } = await download({
      format: 'ndjson',
      startDate: '2026-03-02',
      endDate: '2026-03-22',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="events-.*\.ndjson"$/);
    const rows = bytes
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    // Tokyo is +09:00 with no DST: local dates start at 15:00 UTC the day before.
    const expected = storageOrder(
      inRange(stored, Date.parse('2026-03-01T15:00:00Z'), Date.parse('2026-03-22T15:00:00Z')),
    );
    // More rows than one block: the body arrives as several chunks, as ClickHouse produces them.
    expect(expected.length).toBeGreaterThan(EXPORT_BLOCK_ROWS);
    expect(chunks.length).toBeGreaterThan(1);
    expect(rows).toHaveLength(expected.length);
    expect(Object.keys(rows[0] ?? {})).toEqual([...EXPORT_COLUMNS]);
    expect(rows.map((row) => row.event_id)).toEqual(expected.map((event) => event.event_id));
    const first = expected[0] as TestEvent;
    expect(rows[0]).toMatchObject({
      event_type: first.event_type,
      ts: new Date(first.ts).toISOString(),
      local_time: tokyo(first.ts),
      user_id: first.user_id,
      path: first.path,
      properties: JSON.stringify(first.properties),
    });
  });

  it('streams CSV with a header, filtered by event types and capped by limit', async () => {
    const { response, bytes } = await download({
      format: 'csv',
      eventTypes: ['track,identify'],
      limit: 100,
      startDate: '2026-03-02',
      endDate: '2026-03-22',
    });
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = bytes.toString('utf8').trim().split('\n');
    expect(lines[0]).toBe(EXPORT_COLUMNS.map((column) => `"${column}"`).join(','));
    const expected = storageOrder(
      inRange(stored, Date.parse('2026-03-01T15:00:00Z'), Date.parse('2026-03-22T15:00:00Z')).filter(
        (event) => event.event_type === 'track' || event.event_type === 'identify',
      ),
    ).slice(0, 100);
    expect(lines.slice(1).map((line) => line.slice(1, 37))).toEqual(expected.map((event) => event.event_id));
  });

  it('streams Parquet that ClickHouse reads back', async () => {
    const { response, bytes } = await download({
      format: 'parquet',
      startDate: '2026-03-05',
      endDate: '2026-03-06',
    });
    expect(response.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    const dir = await tempDir('qa-parquet');
    const file = path.join(dir, 'events.parquet');
    await writeFile(file, bytes);
    const [read] = await fx.ch
      .query<{ rows: string; ids: string }>(
        'SELECT count() AS rows, groupArraySorted(100000)(event_id) AS ids FROM file({file:String}, Parquet)',
        { params: { file } },
      )
      .finally(() => rm(dir, { recursive: true, force: true }));
    const expected = inRange(stored, Date.parse('2026-03-04T15:00:00Z'), Date.parse('2026-03-06T15:00:00Z'));
    expect(Number(read?.rows)).toBe(expected.length);
    expect(read?.ids).toEqual(expected.map((event) => event.event_id).sort());
  });

  it('answers an empty range with an empty body, not an error', async () => {
    const { response, bytes } = await download({
      format: 'ndjson',
      startDate: '2025-01-01',
      endDate: '2025-01-02',
    });
    expect(response.status).toBe(200);
    expect(bytes.length).toBe(0);
  });
});
