import { execFile } from 'node:child_process';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClickHouse, createClickHouse } from '../../clickhouse/index.ts';
import { runMigrations } from '../../clickhouse/migrations/index.ts';
import { silentLogger } from '../../runtime/logger/index.ts';
import { tempDir } from '../../runtime/testing/services.ts';
import { SpoolFlusher, SpoolFullError, SpoolWriter } from './index.ts';

let ch: ClickHouse;
beforeAll(async () => {
  ch = await createClickHouse({
    url: undefined,
    database: 'spool_test',
    dataDir: await tempDir('spool-ch'),
    logger: silentLogger(),
  });
  await runMigrations(ch, { logger: silentLogger() });
});
afterAll(() => ch.close());

const appId = () => crypto.randomUUID();
const eventLine = (app: string, n: number) =>
  `${JSON.stringify({ app_id: app, event_id: crypto.randomUUID(), event_type: 'track', name: `e${n}`, ts: '2026-11-21 10:00:00.000', received_at: '2026-11-21 10:00:00.000' })}\n`;
const lines = (app: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => eventLine(app, from + i)).join('');

async function count(app: string): Promise<{ rows: number; names: number }> {
  const [row] = await ch.query<{ rows: string; names: string }>(
    'SELECT count() AS rows, uniqExact(name) AS names FROM events WHERE app_id = {app:UUID}',
    { params: { app } },
  );
  return { rows: Number(row?.rows), names: Number(row?.names) };
}

async function openWriter(dir: string, maxBytes = 64 * 1024 * 1024) {
  return SpoolWriter.open({
    dir,
    maxBytes,
    fsyncIntervalMs: 2,
    sealIntervalMs: 60_000,
    sealRows: 1_000_000,
    now: Date.now,
  });
}

function flusherFor(writer: SpoolWriter, flushed: string[][] = []) {
  return new SpoolFlusher({
    clickhouse: ch,
    dirs: [writer.dir],
    onFlushed: (_dir, stats) => {
      writer.release(stats.bytes);
      flushed.push(stats.appIds);
    },
    onError: () => {},
    logger: silentLogger(),
    now: Date.now,
  });
}

describe('spool', () => {
  it('acknowledges after fsync and delivers every appended row to ClickHouse once', async () => {
    const dir = await tempDir('spool');
    const writer = await openWriter(dir);
    const app = appId();
    // Concurrent appends share group commits.
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        writer.append([{ table: 'events', lines: lines(app, i * 20, 20), rows: 20, appIds: [app] }]),
      ),
    );
    expect(writer.usedBytes()).toBeGreaterThan(0);
    const flushed: string[][] = [];
    const flusher = flusherFor(writer, flushed);
    await writer.sealAll();
    expect(await flusher.drain(Date.now() + 10_000)).toBe(true);
    expect(await count(app)).toEqual({ rows: 1000, names: 1000 });
    expect(flushed).toEqual([[app]]);
    expect(writer.usedBytes()).toBe(0);
    expect((await readdir(dir)).filter((f) => !f.endsWith('.open')).sort()).toEqual([
      'next-seq',
      'writer-id',
    ]);
    await writer.close();
  });

  it('recovers a crashed writer: whole lines flushed, a torn last line dropped', async () => {
    const dir = await tempDir('spool-crash');
    const app = appId();
    // What a process killed mid-write leaves: an .open segment whose last line is incomplete.
    await writeFile(path.join(dir, 'events.000000000007.open'), `${lines(app, 0, 30)}{"app_id":"${app}","ev`);
    const writer = await openWriter(dir);
    const flusher = flusherFor(writer);
    expect(await flusher.drain(Date.now() + 10_000)).toBe(true);
    expect(await count(app)).toEqual({ rows: 30, names: 30 });
    // New segments continue after the recovered sequence number.
    await writer.append([{ table: 'events', lines: lines(app, 30, 5), rows: 5, appIds: [app] }]);
    await writer.sealAll();
    expect((await readdir(dir)).some((f) => f.startsWith('events.000000000008.'))).toBe(true);
    expect(await flusher.drain(Date.now() + 10_000)).toBe(true);
    expect(await count(app)).toEqual({ rows: 35, names: 35 });
    await writer.close();
  });

  it('cuts a failed commit back off, so neither half a line nor half a commit stays', async () => {
    // A file-size limit (ulimit -f, in KiB) makes the kernel take part of a write and refuse the
    // rest, as a disk filling up does. The writer runs in a child process for that.
    const dir = await tempDir('spool-short-write');
    const script = path.join(dir, 'writer.mts');
    await writeFile(
      script,
      `import { SpoolWriter } from ${JSON.stringify(path.resolve(import.meta.dirname, 'index.ts'))};
process.on('SIGXFSZ', () => {});
const writer = await SpoolWriter.open({ dir: ${JSON.stringify(path.join(dir, 'spool'))}, maxBytes: 1 << 30,
  fsyncIntervalMs: 0, sealIntervalMs: 60_000, sealRows: 1_000_000, now: Date.now });
const line = (n, pad) => JSON.stringify({ n, pad: 'x'.repeat(pad) }) + '\\n';
const entry = (table, n, pad) => ({ table, lines: line(n, pad), rows: 1, appIds: [] });
const outcomes = [];
for (const entries of [
  [entry('events', 1, 30_000)],
  [entry('events', 2, 100_000)],
  [entry('events', 3, 1_000)],
  // Written to events, then refused for the quarantine: the events line must go too.
  [entry('events', 4, 1_000), entry('events_quarantine', 4, 100_000)],
  [entry('events', 5, 1_000)],
]) {
  await writer.append(entries).then(
    () => outcomes.push('acknowledged'),
    () => outcomes.push('refused'),
  );
}
const used = writer.usedBytes();
await writer.close();
process.stdout.write(JSON.stringify({ outcomes, used }));`,
    );
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        'bash',
        ['-c', `ulimit -f 64 && exec "${process.execPath}" --import tsx "${script}"`],
        { cwd: path.resolve(import.meta.dirname, '../..') },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
      ),
    );
    const { outcomes, used } = JSON.parse(stdout);
    expect(outcomes).toEqual(['acknowledged', 'refused', 'acknowledged', 'refused', 'acknowledged']);
    // Only the events segment is left: the quarantine segment never held an acknowledged line.
    const sealed = (await readdir(path.join(dir, 'spool'))).filter((name) => name.endsWith('.sealed'));
    expect(sealed).toEqual([expect.stringMatching(/^events\./)]);
    const text = await readFile(path.join(dir, 'spool', sealed[0] as string), 'utf8');
    // Whole acknowledged lines only: what the kernel took of line 2, and line 4, were cut off.
    const stored = text.split('\n').filter(Boolean);
    expect(stored.map((line) => JSON.parse(line).n)).toEqual([1, 3, 5]);
    // The refused lines' space is given back: a full disk must not leave the spool "full".
    expect(used).toBe(Buffer.byteLength(text));
  });

  it('flushes a segment that waited past the catch-up age at normal engine priority', async () => {
    const overdue: unknown[] = [];
    const recording = new Proxy(ch, {
      get(target, property) {
        if (property === 'insert')
          return (...args: Parameters<ClickHouse['insert']>) => {
            overdue.push(args[2]?.overdue);
            return target.insert(...args);
          };
        const value = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const app = appId();
    for (const [round, clockAheadMs] of [0, 10_000].entries()) {
      const writer = await openWriter(await tempDir('spool-catch-up'));
      await writer.append([{ table: 'events', lines: lines(app, round * 5, 5), rows: 5, appIds: [app] }]);
      await writer.sealAll();
      const flusher = new SpoolFlusher({
        clickhouse: recording,
        dirs: [writer.dir],
        onFlushed: () => {},
        onError: () => {},
        logger: silentLogger(),
        now: () => Date.now() + clockAheadMs,
      });
      // The deadline is on the flusher's clock.
      expect(await flusher.drain(Date.now() + clockAheadMs + 10_000)).toBe(true);
      await writer.close();
    }
    // Just sealed: below the edge's priority. Ten seconds old: the flusher is behind.
    expect(overdue).toEqual([false, true]);
    expect(await count(app)).toEqual({ rows: 10, names: 10 });
  });

  it('never reuses a segment number after a clean restart that drained everything', async () => {
    const dir = await tempDir('spool-restart');
    const app = appId();
    const sealed: string[] = [];
    for (let restart = 0; restart < 3; restart++) {
      const writer = await openWriter(dir);
      await writer.append([
        { table: 'events', lines: lines(app, restart * 10, 10), rows: 10, appIds: [app] },
      ]);
      await writer.sealAll();
      sealed.push(...(await readdir(dir)).filter((f) => f.endsWith('.sealed')));
      expect(await flusherFor(writer).drain(Date.now() + 10_000)).toBe(true);
      await writer.close();
    }
    // Each run's segment got a new number, so a new token: none was dropped as a duplicate.
    expect(sealed).toHaveLength(3);
    expect(new Set(sealed).size).toBe(3);
    expect(await count(app)).toEqual({ rows: 30, names: 30 });
    // The counter is replaced whole, never left half-written.
    expect((await readdir(dir)).filter((f) => f.startsWith('next-seq'))).toEqual(['next-seq']);
  });

  it('stores new data under a number used before (counter lost, or spool restored from a backup)', async () => {
    const dir = await tempDir('spool-counter-lost');
    const app = appId();
    for (let round = 0; round < 2; round++) {
      const writer = await openWriter(dir);
      await writer.append([{ table: 'events', lines: lines(app, round * 10, 10), rows: 10, appIds: [app] }]);
      await writer.sealAll();
      expect(await flusherFor(writer).drain(Date.now() + 10_000)).toBe(true);
      await writer.close();
      // Forget which numbers were taken: the next writer numbers its segment 1 again.
      await writeFile(path.join(dir, 'next-seq'), '');
    }
    // Same position, different bytes, so a different token: the second round is not a "duplicate".
    expect(await count(app)).toEqual({ rows: 20, names: 20 });
  });

  it('replaying a segment after a crash between insert and delete stores it once', async () => {
    const dir = await tempDir('spool-replay');
    const keep = await tempDir('spool-replay-copy');
    const writer = await openWriter(dir);
    const app = appId();
    await writer.append([{ table: 'events', lines: lines(app, 0, 100), rows: 100, appIds: [app] }]);
    await writer.sealAll();
    const [sealed] = (await readdir(dir)).filter((f) => f.endsWith('.sealed'));
    const meta = (sealed as string).replace('.sealed', '.meta');
    await copyFile(path.join(dir, sealed as string), path.join(keep, 'segment'));
    await copyFile(path.join(dir, meta), path.join(keep, 'meta'));
    const flusher = flusherFor(writer);
    expect(await flusher.drain(Date.now() + 10_000)).toBe(true);
    expect(await count(app)).toEqual({ rows: 100, names: 100 });
    // Put the segment back as if the delete never happened, and flush again.
    await copyFile(path.join(keep, 'segment'), path.join(dir, sealed as string));
    await copyFile(path.join(keep, 'meta'), path.join(dir, meta));
    expect(await flusher.drain(Date.now() + 10_000)).toBe(true);
    expect(await count(app)).toEqual({ rows: 100, names: 100 });
    const [rollup] = await ch.query<{ n: string }>(
      'SELECT sum(event_count) AS n FROM events_hourly WHERE app_id = {app:UUID}',
      { params: { app } },
    );
    expect(Number(rollup?.n)).toBe(100);
    await writer.close();
  });

  it('refuses appends at its cap without writing, and takes data again once flushed', async () => {
    const dir = await tempDir('spool-cap');
    const app = appId();
    const batch = lines(app, 0, 10);
    const writer = await openWriter(dir, Buffer.byteLength(batch) * 2 + 10);
    await writer.append([{ table: 'events', lines: batch, rows: 10, appIds: [app] }]);
    await writer.append([{ table: 'events', lines: lines(app, 10, 10), rows: 10, appIds: [app] }]);
    await expect(
      writer.append([{ table: 'events', lines: lines(app, 20, 10), rows: 10, appIds: [app] }]),
    ).rejects.toBeInstanceOf(SpoolFullError);
    await writer.sealAll();
    expect(await flusherFor(writer).drain(Date.now() + 10_000)).toBe(true);
    await writer.append([{ table: 'events', lines: lines(app, 20, 10), rows: 10, appIds: [app] }]);
    await writer.sealAll();
    expect(await flusherFor(writer).drain(Date.now() + 10_000)).toBe(true);
    expect(await count(app)).toEqual({ rows: 30, names: 30 });
    await writer.close();
  });

  it('holds data while ClickHouse refuses it and drains everything after recovery', async () => {
    const dir = await tempDir('spool-outage');
    const writer = await openWriter(dir);
    const app = appId();
    const errors: unknown[] = [];
    const flusher = new SpoolFlusher({
      clickhouse: ch,
      dirs: [dir],
      onFlushed: (_d, stats) => writer.release(stats.bytes),
      onError: (error) => errors.push(error),
      logger: silentLogger(),
      now: Date.now,
    });
    await ch.command('DETACH TABLE events');
    try {
      for (let i = 0; i < 3; i++) {
        await writer.append([{ table: 'events', lines: lines(app, i * 50, 50), rows: 50, appIds: [app] }]);
        await writer.sealAll();
      }
      expect(await flusher.drain(Date.now() + 500)).toBe(false);
      expect(errors.length).toBeGreaterThan(0);
      expect((await readdir(dir)).filter((f) => f.endsWith('.sealed'))).toHaveLength(3);
    } finally {
      await ch.command('ATTACH TABLE events');
    }
    expect(await flusher.drain(Date.now() + 20_000)).toBe(true);
    expect(await count(app)).toEqual({ rows: 150, names: 150 });
    expect(writer.usedBytes()).toBe(0);
    await writer.close();
  });
});
