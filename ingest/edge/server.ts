// The ingest edge: a uWebSockets.js server in front of the intake, plus everything the edge
// owns at run time: the spool writer and flusher, the key cache kept fresh by invalidation
// messages, rate limiters, usage counts, metrics, and an orderly drain on shutdown.

import uWS from 'uWebSockets.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Registry } from 'prom-client';
import { type ClickHouse, startSessionStatsRefresher } from '../../clickhouse/index.ts';
import { KeyUsageTally, lookupKeyRecord, subscribeKeyChanges } from '../../control-plane/keys/index.ts';
import { listEnabledMetricConfigs } from '../../control-plane/metric-configs/index.ts';
import { bumpAppGenerations } from '../../query-api/cache/index.ts';
import type { Config } from '../../runtime/config/index.ts';
import { checkReadiness } from '../../runtime/health/index.ts';
import type { Logger } from '../../runtime/logger/index.ts';
import type { Postgres } from '../../runtime/postgres/index.ts';
import type { Redis } from '../../runtime/redis/index.ts';
import { KeyCache } from '../keys/index.ts';
import { LeasedLimiter } from '../limits/leased-limiter.ts';
import { ParsePool } from '../offload/index.ts';
import { indexMetricConfigs, type MetricConfigLike, SEGMENT_TYPES } from '../pipeline/index.ts';
import { SpoolFlusher, SpoolWriter } from '../spool/index.ts';
import { errorReply, jsonReply, type Reply, type ResponseState, readBody, send } from './http.ts';
import { createIntake, type Endpoint, type IntakeRequest } from './intake.ts';
import { createEdgeMetrics } from './metrics.ts';

export interface EdgeDeps {
  config: Readonly<Config> & { apiKeySecret: string };
  clickhouse: ClickHouse;
  postgres: Postgres;
  redis: Redis;
  logger: Logger;
  registry: Registry;
  now: () => number;
}

export interface Edge {
  port: number;
  nativeUws: boolean;
  /** The parse pool: live worker threads and tasks they finished (all 0 when parsing inline). */
  parseStats(): { threads: number; tasks: number };
  /** Stop accepting, write out and drain the spool into ClickHouse (bounded), release everything. */
  close(): Promise<void>;
}

// Segment documents 500 KB per batch and 32 KB per event.
const SEGMENT_MAX_BODY_BYTES = 500 * 1024;
// Key usage reaches Redis this often: cheap, and fresh enough for a "last used" column.
const USAGE_FLUSH_MS = 5_000;
// Metric configs change rarely; a short cache keeps the metrics path off Postgres.
const METRIC_CONFIG_TTL_MS = 10_000;
// Hot-path logging is a summary line this often, never a line per request.
const SUMMARY_LOG_MS = 10_000;
// On SIGTERM, new inserts start for at most this long, so shutdown fits the launcher's 8 s
// and container runtimes' usual 10 s grace even with an insert already in flight.
const DRAIN_TIMEOUT_MS = 3_000;
const SDK_FILE = path.resolve(import.meta.dirname, '../browser/dist/v1.js');

export async function startEdge(deps: EdgeDeps, listen: { host: string; port: number }): Promise<Edge> {
  const { config, logger, now } = deps;
  const nativeUws = String(uWS.App).includes('[native code]');
  logger.info(
    { nativeUws },
    nativeUws ? 'uWebSockets.js native binary in use' : 'uWebSockets.js fallback (slow) in use',
  );

  let flusher: SpoolFlusher | undefined;
  let metrics: ReturnType<typeof createEdgeMetrics> | undefined;
  const spool = await SpoolWriter.open({
    dir: config.spool.dir,
    maxBytes: config.spool.maxBytes,
    fsyncIntervalMs: config.spool.fsyncIntervalMs,
    sealIntervalMs: config.spool.flushIntervalMs,
    sealRows: config.spool.flushRows,
    now,
    onSealed: () => flusher?.notify(),
    onCommit: (ms, appends) => {
      metrics?.spoolCommitSeconds.observe(ms / 1000);
      metrics?.spoolCommitAppends.observe(appends);
    },
  });
  metrics = createEdgeMetrics(deps.registry, {
    spoolBytes: () => spool.usedBytes(),
    oldestPendingAt: () => minDefined(spool.oldestOpenAt(), flusher?.oldestPendingAt()),
    now,
  });
  flusher = new SpoolFlusher({
    clickhouse: deps.clickhouse,
    dirs: [spool.dir],
    logger,
    now,
    onError: () => metrics.clickhouseErrors.inc({ table: 'any' }),
    onFlushed: async (_dir, stats) => {
      spool.release(stats.bytes);
      metrics.flushRows.observe({ table: stats.table }, stats.rows);
      metrics.flushSeconds.observe({ table: stats.table }, stats.ms / 1000);
      if (stats.table !== 'events_quarantine') {
        await bumpAppGenerations(deps.redis, stats.appIds).catch((error: unknown) =>
          logger.warn({ err: error }, 'query cache generation bump failed'),
        );
      }
    },
  });
  flusher.start();
  // The edge is what writes to ClickHouse, so it also keeps the per-day session figures the
  // overview reads (the query API never writes). With several edges each runs it: a pass that
  // finds nothing stale costs two small reads, and a repeated computation replaces its own row.
  const sessionStats = startSessionStatsRefresher({ clickhouse: deps.clickhouse, logger, now });

  const keys = new KeyCache({
    apiKeySecret: config.apiKeySecret,
    lookup: (hmac) => lookupKeyRecord(deps, hmac),
    ttlMs: config.cache.keyTtlMs,
    maxEntries: config.cache.keyMaxEntries,
    now,
    onResult: (hit) => metrics.keyCache.inc({ result: hit ? 'hit' : 'miss' }),
  });
  const unsubscribe = await subscribeKeyChanges(deps.redis, (hmac) => keys.evictHmac(hmac));
  const onFailOpen = (failing: boolean) => {
    metrics.limiterFailOpen.set(failing ? 1 : 0);
    if (failing) logger.warn('redis unreachable: rate limits are per process until it returns (fail open)');
  };
  const keyLimiter = new LeasedLimiter({
    redis: deps.redis,
    prefix: 'rl:key:',
    perSecond: config.rateLimit.keyPerSecond,
    burst: config.rateLimit.keyBurst,
    now,
    onFailOpen,
  });
  const ipLimiter = new LeasedLimiter({
    redis: deps.redis,
    prefix: 'rl:ip:',
    perSecond: config.rateLimit.ipPerSecond,
    burst: config.rateLimit.ipBurst,
    now,
    onFailOpen,
  });
  const usage = new KeyUsageTally();
  const usageTimer = setInterval(() => {
    usage.flush(deps.redis).catch((error: unknown) => logger.warn({ err: error }, 'key usage flush failed'));
  }, USAGE_FLUSH_MS);

  // Indexed once per fetch, not on every metrics request.
  const configCache = new Map<
    string,
    { configs: ReadonlyMap<string, MetricConfigLike>; expiresAt: number }
  >();
  const metricConfigs = async (appId: string) => {
    const cached = configCache.get(appId);
    if (cached && cached.expiresAt > now()) return cached.configs;
    const configs = indexMetricConfigs(await listEnabledMetricConfigs(deps.postgres, appId));
    configCache.set(appId, { configs, expiresAt: now() + METRIC_CONFIG_TTL_MS });
    return configs;
  };

  const parsePool = config.ingest.parseThreads > 0 ? ParsePool.start(config.ingest.parseThreads) : undefined;
  const intake = createIntake({
    config,
    keys,
    keyLimiter,
    ipLimiter,
    spool,
    usage,
    metricConfigs,
    metrics,
    now,
    parsePool,
  });
  let sdk: Promise<string> | undefined;
  let inflight = 0;
  let summary = { requests: 0, errors: 0 };
  const summaryTimer = setInterval(() => {
    if (summary.requests > 0) logger.info({ ...summary, spoolBytes: spool.usedBytes() }, 'ingest summary');
    summary = { requests: 0, errors: 0 };
  }, SUMMARY_LOG_MS);

  const app = uWS.App();

  const post = (pattern: string, endpoint: Endpoint, segmentType?: IntakeRequest['segmentType']) => {
    const bodyLimit = endpoint === 'segment' ? SEGMENT_MAX_BODY_BYTES : config.ingest.maxBodyBytes;
    app.post(pattern, (res, req) => {
      const started = performance.now();
      const state: ResponseState = { aborted: false, done: false };
      res.onAborted(() => {
        state.aborted = true;
      });
      // uWS request objects are valid only synchronously: read every header now.
      const request: IntakeRequest = {
        endpoint,
        path: pattern,
        ...(segmentType ? { segmentType } : {}),
        contentEncoding: req.getHeader('content-encoding'),
        apiKey: req.getHeader('x-api-key'),
        authorization: req.getHeader('authorization'),
        queryKey: req.getQuery('key') ?? '',
        origin: req.getHeader('origin'),
        userAgent: req.getHeader('user-agent'),
        ip: clientIp(res, req, config.trustProxy),
      };
      const finish = (reply: Reply) => {
        send(res, state, reply);
        summary.requests++;
        if (reply.status >= 500) summary.errors++;
        metrics.requests.inc({ endpoint, status: String(reply.status) });
        metrics.latency.observe({ endpoint }, (performance.now() - started) / 1000);
      };
      const declared = Number(req.getHeader('content-length') || '0');
      if (declared > bodyLimit) {
        finish(errorReply(413, 'body_too_large', `Body exceeds ${bodyLimit} bytes`, { close: true }));
        return;
      }
      inflight++;
      let settled = false;
      const settle = () => {
        if (settled) return false;
        settled = true;
        inflight--;
        clearTimeout(slowClient);
        return true;
      };
      // uWS closes connections idle between requests by itself; a client that stalls halfway
      // through a body is cut off here, so slow senders cannot hold sockets and memory.
      const slowClient = setTimeout(() => {
        if (!settle() || state.aborted || state.done) return;
        state.done = true;
        metrics.requests.inc({ endpoint, status: 'timeout' });
        res.close();
      }, config.ingest.idleTimeoutSeconds * 1000);
      readBody(
        res,
        bodyLimit,
        (body) => {
          clearTimeout(slowClient);
          intake(request, body)
            .then(finish, (error: unknown) => {
              logger.error({ err: error, endpoint }, 'ingest request failed');
              finish(errorReply(500, 'internal_error', 'Internal server error'));
            })
            .finally(settle);
        },
        () => {
          if (settle())
            finish(errorReply(413, 'body_too_large', `Body exceeds ${bodyLimit} bytes`, { close: true }));
        },
      );
    });
  };

  post('/api/events/track', 'track');
  post('/api/events/track/batch', 'batch');
  post('/api/v1/metrics', 'metrics');
  post('/v1/batch', 'segment');
  post('/v1/import', 'segment');
  for (const type of SEGMENT_TYPES) post(`/v1/${type}`, 'segment', type);

  app.options('/*', (res, req) => {
    const origin = req.getHeader('origin');
    const state: ResponseState = { aborted: false, done: false };
    send(res, state, {
      status: 204,
      body: '',
      headers: origin
        ? {
            'access-control-allow-origin': origin,
            'access-control-allow-methods': 'POST, OPTIONS',
            'access-control-allow-headers': 'content-type, content-encoding, x-api-key, authorization',
            'access-control-max-age': '600',
            vary: 'Origin',
          }
        : {},
    });
  });

  app.get('/health', (res) => send(res, { aborted: false, done: false }, jsonReply(200, { status: 'ok' })));
  app.get('/ready', (res) => {
    const state: ResponseState = { aborted: false, done: false };
    res.onAborted(() => {
      state.aborted = true;
    });
    checkReadiness({
      spool: async () => spool.usedBytes() < config.spool.maxBytes,
      clickhouse: () => deps.clickhouse.ping(),
      postgres: () => deps.postgres.ping(),
      redis: () => deps.redis.ping(),
    }).then((readiness) => send(res, state, jsonReply(readiness.status === 'ready' ? 200 : 503, readiness)));
  });
  app.get('/metrics', (res) => {
    const state: ResponseState = { aborted: false, done: false };
    res.onAborted(() => {
      state.aborted = true;
    });
    deps.registry
      .metrics()
      .then((text) => send(res, state, { status: 200, body: text, contentType: deps.registry.contentType }));
  });
  app.get('/sdk/v1.js', (res) => {
    const state: ResponseState = { aborted: false, done: false };
    res.onAborted(() => {
      state.aborted = true;
    });
    sdk ??= loadTracker(logger);
    sdk.then(
      (code) =>
        send(res, state, {
          status: 200,
          body: code,
          contentType: 'application/javascript; charset=utf-8',
          headers: { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' },
        }),
      () => send(res, state, errorReply(503, 'sdk_unavailable', 'The browser SDK could not be built')),
    );
  });
  app.any('/*', (res, req) => {
    send(
      res,
      { aborted: false, done: false },
      errorReply(404, 'not_found', `No route for ${req.getMethod().toUpperCase()} ${req.getUrl()}`),
    );
  });

  const listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
    app.listen(listen.host, listen.port, (socket) =>
      socket
        ? resolve(socket)
        : reject(new Error(`ingest edge could not listen on ${listen.host}:${listen.port}`)),
    );
  });
  const port = uWS.us_socket_local_port(listenSocket);

  return {
    port,
    nativeUws,
    parseStats: () => parsePool?.stats() ?? { threads: 0, tasks: 0 },
    close: async () => {
      uWS.us_listen_socket_close(listenSocket);
      // Let requests already being processed reach their answer before sealing the spool.
      const settleBy = now() + 2_000;
      while (inflight > 0 && now() < settleBy) await new Promise((resolve) => setTimeout(resolve, 5));
      clearInterval(usageTimer);
      clearInterval(summaryTimer);
      await sessionStats.stop();
      // Tasks still in a worker finish first, so their requests can still reach the spool.
      await parsePool?.close();
      await spool.close();
      // The background pass ends after its current insert; the drain then starts new inserts
      // only until its deadline. A backlog beyond that stays on disk and replays at next start.
      await flusher.stop();
      const drained = await flusher.drain(now() + DRAIN_TIMEOUT_MS);
      if (!drained) {
        logger.warn({ spoolBytes: spool.usedBytes() }, 'spool not fully drained; it replays on next start');
      }
      await usage.flush(deps.redis).catch(() => {});
      await unsubscribe().catch(() => {});
      await keyLimiter.close();
      await ipLimiter.close();
      // Present at run time in this uWS build, missing from its type declarations.
      (app as uWS.TemplatedApp & { close(): void }).close();
    },
  };
}

/** The prebuilt tracker (npm run build:sdk), else built in memory once from its source. */
async function loadTracker(logger: Logger): Promise<string> {
  try {
    return await readFile(SDK_FILE, 'utf8');
  } catch {
    const { buildTracker } = await import('../browser/build.ts');
    const bundle = await buildTracker({ write: false });
    logger.info({ bytes: bundle.bytes, gzipBytes: bundle.gzipBytes }, 'browser tracker built in memory');
    return bundle.code;
  }
}

function clientIp(res: uWS.HttpResponse, req: uWS.HttpRequest, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.getHeader('x-forwarded-for').split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  return Buffer.from(res.getRemoteAddressAsText()).toString();
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
