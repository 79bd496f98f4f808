// 202 means durable: the all-in-one is killed with SIGKILL repeatedly while clients send
// uniquely numbered events; after the last restart drains, the engine's own data holds every
// acknowledged event exactly once. (Events whose request died with the process may or may not
// be stored: never acknowledged, so either is correct; none may be stored twice.) A graceful stop
// drains for a bounded time only; what it leaves stays in the spool and replays at the next
// start, so the check comes after one more start that empties the spool, as a user's would.

import { once } from 'node:events';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClickHouse } from '../../clickhouse/index.ts';
import { silentLogger } from '../../runtime/logger/index.ts';
import { type LauncherProcess, startLauncher } from '../../runtime/testing/launcher-process.ts';
import { freePort, tempDir } from '../../runtime/testing/services.ts';
import { listSegments } from '../spool/segment-files.ts';

const KILLS = 3;
// Load runs this long before each SIGKILL: enough for several group commits and flushes.
const LOAD_BEFORE_KILL_MS = 1_500;
const BATCH = 20;
const CLIENTS = 6;
// A loaded CI machine may leave a backlog; flushing it is seconds, never a minute.
const SPOOL_EMPTY_TIMEOUT_MS = 60_000;

function eventId(n: number): string {
  // A UUID that encodes the event's number, so acknowledged ids can be checked one by one.
  const hex = n.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

describe('durability under SIGKILL', () => {
  it('stores every acknowledged event exactly once across repeated kills and restarts', async () => {
    const dataDir = await tempDir('durability');
    const port = await freePort();
    const ingestPort = await freePort();
    const { CLICKHOUSE_URL, DATABASE_URL, REDIS_URL, API_KEY_SECRET, JWT_SECRET, ...inherited } = process.env;
    const env = {
      ...inherited,
      DATA_DIR: dataDir,
      PORT: String(port),
      INGEST_PORT: String(ingestPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SPOOL_FLUSH_INTERVAL_MS: '200',
    };
    const api = `http://127.0.0.1:${port}`;
    const ingest = `http://127.0.0.1:${ingestPort}`;
    const start = async (): Promise<LauncherProcess> => {
      const launcher = startLauncher([], env);
      await launcher.waitReady([ingest]);
      return launcher;
    };

    let child = await start();
    const registered = await fetch(`${api}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `durable-${Date.now()}@example.com`, password: 'durability test 12345' }),
    });
    const owner = (await registered.json()) as { app: { id: string }; keys: { server: { key: string } } };

    let next = 0;
    const acknowledged = new Set<string>();
    const sent = new Set<string>();
    let loading = true;
    const client = async () => {
      while (loading) {
        const ids = Array.from({ length: BATCH }, () => eventId(next++));
        for (const id of ids) sent.add(id);
        try {
          const response = await fetch(`${ingest}/api/events/track/batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': owner.keys.server.key },
            body: JSON.stringify({ events: ids.map((id) => ({ eventType: 'durable', eventId: id })) }),
          });
          if (response.status === 202) for (const id of ids) acknowledged.add(id);
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    };

    for (let kill = 0; kill <= KILLS; kill++) {
      loading = true;
      const clients = Array.from({ length: CLIENTS }, client);
      await new Promise((resolve) => setTimeout(resolve, LOAD_BEFORE_KILL_MS));
      if (kill < KILLS) {
        child.kill();
        await once(child.child, 'exit');
      }
      loading = false;
      await Promise.all(clients);
      if (kill < KILLS) child = await start();
    }
    expect(await child.stop()).toBe(0);
    // The replay start: ready only after recovery, then the flusher empties the spool.
    child = await start();
    const spoolDir = path.join(dataDir, 'spool');
    const deadline = Date.now() + SPOOL_EMPTY_TIMEOUT_MS;
    while ((await listSegments(spoolDir)).length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await listSegments(spoolDir)).toEqual([]);
    expect(await child.stop()).toBe(0);

    const ch = await createClickHouse({
      url: undefined,
      database: 'analytics',
      dataDir,
      logger: silentLogger(),
    });
    try {
      const rows = await ch.query<{ id: string; copies: string }>(
        'SELECT toString(event_id) AS id, count() AS copies FROM events WHERE app_id = {app:UUID} GROUP BY id',
        { params: { app: owner.app.id } },
      );
      const stored = new Map(rows.map((row) => [row.id, Number(row.copies)]));
      const missing = [...acknowledged].filter((id) => !stored.has(id));
      const doubled = [...stored].filter(([, copies]) => copies > 1);
      const invented = [...stored.keys()].filter((id) => !sent.has(id));
      expect(acknowledged.size).toBeGreaterThan(1000);
      expect(missing).toEqual([]);
      expect(doubled).toEqual([]);
      expect(invented).toEqual([]);
    } finally {
      await ch.close();
    }
  }, 240_000);
});
