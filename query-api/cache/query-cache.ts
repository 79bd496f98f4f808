// Answers cached in Redis (the in-process store when embedded), keyed by app, the app's
// generation (see generation.ts) and a hash of the normalised query. Answers are stored as the
// response text, so a hit is served without parsing or re-serialising. Concurrent misses for the
// same key share one computation. Redis trouble never fails a request: the answer is computed
// and simply not cached.
import { createHash } from 'node:crypto';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../runtime/logger/index.ts';
import type { Redis } from '../../runtime/redis/index.ts';
import { readAppGeneration } from './generation.ts';

const ANSWER_PREFIX = 'qa:answer:';
// A cached answer bigger than this (a huge user history page, a wide retention matrix) would
// crowd smaller, hotter answers out of Redis; such answers are recomputed instead.
export const MAX_CACHED_ANSWER_BYTES = 1024 * 1024;

export type CacheResult = 'hit' | 'miss' | 'bypass';

export interface CachedAnswer {
  body: string;
  cache: CacheResult;
}

export interface QueryCache {
  /**
   * The answer to `query` for the app: from the cache when present under the app's current
   * generation, else computed, stored with the TTL, and returned.
   */
  answer(
    appId: string,
    endpoint: string,
    query: Readonly<Record<string, unknown>>,
    compute: () => Promise<string>,
  ): Promise<CachedAnswer>;
}

export interface QueryCacheOptions {
  redis: Redis;
  /** config.cache.queryTtlSeconds; 0 turns caching off. */
  ttlSeconds: number;
  metrics: Registry;
  logger: Logger;
}

/** A stable text for a query object: keys sorted at every level, so equal queries hash equally. */
export function normaliseQuery(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const entries = Object.entries(inner as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  });
}

export function answerKey(appId: string, generation: string, endpoint: string, query: unknown): string {
  const digest = createHash('sha256').update(normaliseQuery({ endpoint, query })).digest('hex');
  return `${ANSWER_PREFIX}${appId}:${generation}:${digest}`;
}

export function createQueryCache(options: QueryCacheOptions): QueryCache {
  const { redis, ttlSeconds, logger } = options;
  const requests = new Counter({
    name: 'query_api_cache_requests_total',
    help: 'Query API answers by cache outcome (bypass: caching off or Redis unavailable)',
    labelNames: ['endpoint', 'result'],
    registers: [options.metrics],
  });
  const counts = { hit: 0, miss: 0 };
  new Gauge({
    name: 'query_api_cache_hit_ratio',
    help: 'Share of cacheable query API answers served from the cache since start',
    registers: [options.metrics],
    collect() {
      const total = counts.hit + counts.miss;
      this.set(total === 0 ? 0 : counts.hit / total);
    },
  });
  const inFlight = new Map<string, Promise<CachedAnswer>>();

  const count = (endpoint: string, result: CacheResult) => {
    requests.inc({ endpoint, result });
    if (result !== 'bypass') counts[result] += 1;
  };

  const warn = (error: unknown, what: string) =>
    logger.warn({ err: error }, `query cache: ${what} failed; answering without the cache`);

  async function lookup(
    key: string,
    endpoint: string,
    compute: () => Promise<string>,
  ): Promise<CachedAnswer> {
    let cached: string | null = null;
    try {
      cached = await redis.get(key);
    } catch (error) {
      warn(error, 'read');
    }
    if (cached !== null) {
      count(endpoint, 'hit');
      return { body: cached, cache: 'hit' };
    }
    const body = await compute();
    count(endpoint, 'miss');
    if (Buffer.byteLength(body) <= MAX_CACHED_ANSWER_BYTES) {
      try {
        await redis.set(key, body, ttlSeconds * 1000);
      } catch (error) {
        warn(error, 'write');
      }
    }
    return { body, cache: 'miss' };
  }

  return {
    async answer(appId, endpoint, query, compute) {
      if (ttlSeconds <= 0) {
        count(endpoint, 'bypass');
        return { body: await compute(), cache: 'bypass' };
      }
      let generation: string;
      try {
        generation = await readAppGeneration(redis, appId);
      } catch (error) {
        warn(error, 'generation read');
        count(endpoint, 'bypass');
        return { body: await compute(), cache: 'bypass' };
      }
      const key = answerKey(appId, generation, endpoint, query);
      const pending = inFlight.get(key);
      if (pending) {
        const shared = await pending;
        count(endpoint, 'hit');
        return { body: shared.body, cache: 'hit' };
      }
      const started = lookup(key, endpoint, compute).finally(() => inFlight.delete(key));
      inFlight.set(key, started);
      return started;
    },
  };
}
