// Query API benchmark: seeds one app with a hundred million events (and other apps with some)
// in a fresh embedded engine, serves the query API over HTTP, and measures with autocannon the
// dashboard's hot questions uncached and cached, a raw-table breakdown on a metadata key over
// ten million events, and a funnel. It owns throwaway data directories and must never touch a
// real data dir.

import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { Registry } from 'prom-client';
import { createEmbeddedClickHouse } from '../../clickhouse/embedded/index.ts';
import { type ClickHouse, refreshSessionDayStats } from '../../clickhouse/index.ts';
import { runMigrations } from '../../clickhouse/migrations/index.ts';
import { type ControlPlaneDeps, createControlPlane } from '../../control-plane/index.ts';
import { migratePostgres } from '../../control-plane/schema/index.ts';
import { createQueryApi, type QueryApi } from '../../query-api/index.ts';
import { loadConfig } from '../../runtime/config/index.ts';
import { type Logger, silentLogger } from '../../runtime/logger/index.ts';
import { createPostgres, type Postgres } from '../../runtime/postgres/index.ts';
import { createRedis, type Redis } from '../../runtime/redis/index.ts';
import { tempDir } from '../../runtime/testing/services.ts';
import { seedEvents } from './seed-events.ts';

/** The scale: one app with a hundred million events. */
export const DEFAULT_EVENTS = 100_000_000;
// A few other tenants share the tables, as in production, so every query must skip them.
const OTHER_APPS = 2;
const DEFAULT_OTHER_APP_EVENTS = 5_000_000;
// Ninety days of history: a quarter, long enough for 7d and 30d dashboards and a previous period.
const HISTORY_DAYS = 90;
// The raw breakdown scans this many events (the 10 million).
const RAW_BREAKDOWN_EVENTS = 10_000_000;
const DEFAULT_DURATION_SECONDS = 10;
// Latency is measured one request at a time (uncached questions would otherwise queue behind
// each other in the single embedded session); cached answers also with a dashboard's worth of
// parallel panels, which shows throughput (and queueing) rather than per-request latency.
const LATENCY_CONNECTIONS = 1;
const DASHBOARD_CONNECTIONS = 10;
const AUTOCANNON_WORKERS = 1;
// Background merges right after a big seed would steal the CPU the measurement needs.
const MERGE_SETTLE_TIMEOUT_MS = 300_000;
const MERGE_POLL_MS = 2_000;
// No rate limit in the way of the load generator.
const BENCH_RATE_LIMIT = { perSecond: 1_000_000, burst: 1_000_000 };
const SECRETS = {
  API_KEY_SECRET: 'bench-api-key-secret-0123456789-abcdefghij',
  JWT_SECRET: 'bench-jwt-secret-0123456789-abcdefghijklmnop',
};

export interface QueryBenchOptions {
  events?: number;
  otherAppEvents?: number;
  durationSeconds?: number;
  logger?: Logger;
  log?: (line: string) => void;
}

export interface Scenario {
  name: string;
  path: string;
  cached: boolean;
  connections: number;
  requests: number;
  errors: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Which table answered each part, as the API reports it. */
  sources: Record<string, string>;
}

export interface QueryBenchResult {
  engine: string;
  events: number;
  otherAppEvents: number;
  seedSeconds: number;
  seedEventsPerSecond: number;
  /** The first session-stats pass over the whole history (as an edge runs at start). */
  sessionStatsSeconds: number;
  storage: {
    table: string;
    rows: number;
    bytesOnDisk: number;
  }[];
  bytesOnDiskPerMillionEvents: { events: number; allTables: number };
  scenarios: Scenario[];
  targets: Record<string, { targetMs: number; p50Ms: number; met: boolean }>;
}

interface Served {
  url: string;
  server: ServerType;
}

function listen(api: QueryApi): Promise<Served> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: api.app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, server }),
    );
    server.once('error', reject);
  });
}

function close(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close(() => resolve());
  });
}

async function settleMerges(ch: ClickHouse): Promise<void> {
  const deadline = Date.now() + MERGE_SETTLE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const [row] = await ch.query<{ merges: string }>('SELECT count() AS merges FROM system.merges');
    if (Number(row?.merges) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, MERGE_POLL_MS));
  }
}

async function measure(
  base: string,
  name: string,
  target: string,
  options: { cached: boolean; connections: number; durationSeconds: number; apiKey: string },
): Promise<Scenario> {
  const headers = { 'x-api-key': options.apiKey };
  // One request first: it fills the cache for the cached run, and reports the plan.
  const first = await fetch(`${base}${target}`, { headers });
  if (first.status !== 200) throw new Error(`${name}: ${first.status} ${await first.text()}`);
  const body = (await first.json()) as { sources?: Record<string, string> };
  const result = await autocannon({
    url: `${base}${target}`,
    headers,
    connections: options.connections,
    duration: options.durationSeconds,
    // The load generator runs in a worker thread, so it does not share the server's event loop.
    workers: AUTOCANNON_WORKERS,
  });
  return {
    name,
    path: target,
    cached: options.cached,
    connections: options.connections,
    requests: result.requests.total,
    errors: result.errors + result.non2xx,
    requestsPerSecond: Math.round(result.requests.average * 10) / 10,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    sources: body.sources ?? {},
  };
}

export async function runQueryBench(options: QueryBenchOptions = {}): Promise<QueryBenchResult> {
  const events = options.events ?? DEFAULT_EVENTS;
  const otherAppEvents = options.otherAppEvents ?? DEFAULT_OTHER_APP_EVENTS;
  const durationSeconds = options.durationSeconds ?? DEFAULT_DURATION_SECONDS;
  const logger = options.logger ?? silentLogger();
  const log = options.log ?? (() => {});
  const root = await tempDir('bench-query');
  const config = loadConfig({ ...SECRETS, DATA_DIR: root }) as ControlPlaneDeps['config'];
  const ch = await createEmbeddedClickHouse({
    dataDir: path.join(root, 'clickhouse'),
    database: 'bench',
    logger,
  });
  let postgres: Postgres | undefined;
  let redis: Redis | undefined;
  const servers: ServerType[] = [];
  try {
    await runMigrations(ch, { logger, log: () => {} });
    postgres = await createPostgres({ url: undefined, dataDir: path.join(root, 'postgres'), logger });
    await migratePostgres(postgres, { logger });
    redis = createRedis({ url: undefined, logger });
    const deps: ControlPlaneDeps = { config, postgres, redis, logger, now: Date.now };
    const plane = createControlPlane(deps);
    const registered = await plane.app.request('/api/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench@example.com', password: 'correct horse battery staple' }),
    });
    if (registered.status !== 201) throw new Error(`register failed: ${registered.status}`);
    const owner = (await registered.json()) as { app: { id: string }; keys: { server: { key: string } } };
    const appId = owner.app.id;

    // Sessions start up to the last full hour, so "7d" and friends cover data right to the end.
    const end = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    const seedStarted = performance.now();
    await seedEvents(ch, { appId, events, end, days: HISTORY_DAYS }, (seeded) =>
      log(`seeded ${seeded.toLocaleString('en-US')} / ${events.toLocaleString('en-US')} events`),
    );
    for (let other = 0; other < OTHER_APPS; other += 1) {
      await seedEvents(ch, { appId: crypto.randomUUID(), events: otherAppEvents, end, days: HISTORY_DAYS });
    }
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    log(`seeded in ${seedSeconds.toFixed(1)} s; waiting for merges to settle`);
    await settleMerges(ch);
    // What a running edge does within a minute of the data arriving (clickhouse/rollups).
    const statsStarted = performance.now();
    await refreshSessionDayStats(ch, Date.now());
    const sessionStatsSeconds = (performance.now() - statsStarted) / 1000;
    log(`session day stats computed in ${sessionStatsSeconds.toFixed(1)} s`);

    const storage = (
      await ch.query<{ table: string; rows: string; bytes: string }>(
        `SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts
         WHERE active AND database = currentDatabase() GROUP BY table ORDER BY table`,
      )
    ).map((row) => ({ table: row.table, rows: Number(row.rows), bytesOnDisk: Number(row.bytes) }));
    const totalEvents = events + OTHER_APPS * otherAppEvents;
    const perMillion = (bytes: number) => Math.round(bytes / (totalEvents / 1_000_000));

    const build = (ttlSeconds: string) =>
      createQueryApi({
        clickhouse: ch,
        postgres: postgres as Postgres,
        redis: redis as Redis,
        config: loadConfig({
          ...SECRETS,
          DATA_DIR: root,
          CACHE_QUERY_TTL_SECONDS: ttlSeconds,
        }) as ControlPlaneDeps['config'],
        logger,
        now: Date.now,
        metrics: new Registry(),
        rateLimit: BENCH_RATE_LIMIT,
      });
    const cached = await listen(build('3600'));
    const uncached = await listen(build('0'));
    servers.push(cached.server, uncached.server);

    // The raw breakdown's range: as many whole days back from the end as hold ten million events.
    const rawDays = Math.min(
      HISTORY_DAYS,
      Math.max(1, Math.round((RAW_BREAKDOWN_EVENTS / events) * HISTORY_DAYS)),
    );
    const rawStart = new Date(end - rawDays * 86_400_000).toISOString().slice(0, 13);
    const rawEnd = new Date(end).toISOString().slice(0, 13);
    const q = (pathname: string, params: Record<string, string | string[]>) => {
      const search = new URLSearchParams();
      for (const [key, value] of Object.entries(params)) {
        for (const item of Array.isArray(value) ? value : [value]) search.append(key, item);
      }
      return `${pathname}?${search}`;
    };
    const questions: [string, string][] = [
      ['overview 7d', q(`/api/analytics/apps/${appId}/overview`, { startDate: '7d' })],
      ['summary 7d', q('/api/analytics/events/summary', { appId, startDate: '7d' })],
      [
        'timeline 7d hourly',
        q('/api/analytics/events/timeline', { appId, startDate: '7d', interval: 'hour' }),
      ],
    ];
    const apiKey = owner.keys.server.key;
    const scenarios: Scenario[] = [];
    const run = async (
      name: string,
      target: string,
      mode: 'cached' | 'uncached',
      connections = LATENCY_CONNECTIONS,
    ) => {
      const served = mode === 'cached' ? cached : uncached;
      const label =
        connections === LATENCY_CONNECTIONS ? `${name} ${mode}` : `${name} ${mode} x${connections}`;
      const scenario = await measure(served.url, label, target, {
        cached: mode === 'cached',
        connections,
        durationSeconds,
        apiKey,
      });
      log(
        `${scenario.name}: p50 ${scenario.p50Ms} ms, p99 ${scenario.p99Ms} ms, ${scenario.requestsPerSecond} req/s`,
      );
      scenarios.push(scenario);
    };
    for (const [name, target] of questions) {
      await run(name, target, 'uncached');
      await run(name, target, 'cached');
      await run(name, target, 'cached', DASHBOARD_CONNECTIONS);
    }
    await run(
      `raw breakdown metadata.plan over ${rawDays} days (~${Math.round((events * rawDays) / HISTORY_DAYS / 1e6)}M events)`,
      q('/api/analytics/breakdown', {
        appId,
        dimension: 'metadata',
        key: 'plan',
        startDate: `${rawStart}:00:00Z`,
        endDate: `${rawEnd}:00:00Z`,
      }),
      'uncached',
    );
    await run(
      'funnel 7d (4 steps, 1h window)',
      q('/api/analytics/funnels', {
        appId,
        startDate: '7d',
        window: '1h',
        steps: ['name:view_product', 'name:add_to_cart', 'name:checkout', 'name:purchase'],
      }),
      'uncached',
    );

    const target = (name: string, targetMs: number) => {
      const p50Ms = scenarios.find((scenario) => scenario.name.startsWith(name))?.p50Ms ?? Number.NaN;
      return { targetMs, p50Ms, met: p50Ms <= targetMs };
    };
    const eventsBytes = storage.find((row) => row.table === 'events')?.bytesOnDisk ?? 0;
    return {
      engine: `chdb ${await ch.serverVersion()}`,
      events,
      otherAppEvents: OTHER_APPS * otherAppEvents,
      seedSeconds: Math.round(seedSeconds * 10) / 10,
      seedEventsPerSecond: Math.round(totalEvents / seedSeconds),
      sessionStatsSeconds: Math.round(sessionStatsSeconds * 10) / 10,
      storage,
      bytesOnDiskPerMillionEvents: {
        events: perMillion(eventsBytes),
        allTables: perMillion(storage.reduce((sum, row) => sum + row.bytesOnDisk, 0)),
      },
      scenarios,
      targets: {
        'overview uncached p50': target('overview 7d uncached', 150),
        'overview cached p50': target('overview 7d cached', 5),
        'raw breakdown over 10M p50': target('raw breakdown', 1000),
      },
    };
  } finally {
    for (const server of servers) await close(server);
    await redis?.close();
    await postgres?.close();
    await ch.close();
    await rm(root, { recursive: true, force: true });
  }
}
