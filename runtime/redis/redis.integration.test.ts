import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logger/index.ts';
import { serviceUrl, uniqueId } from '../testing/services.ts';
import { redisContract } from './contract.ts';
import { createRedis } from './index.ts';
import { createServerRedis } from './server-redis.ts';
import { RedisUnavailableError } from './types.ts';

const url = serviceUrl('REDIS_URL');
/** Nothing listens on port 1: connections are refused at once. */
const UNREACHABLE_URL = 'redis://127.0.0.1:1';

describe.skipIf(url === undefined)('server Redis (ioredis) contract', () => {
  redisContract(() => createServerRedis({ url: url as string, logger: silentLogger() }));
});

describe.skipIf(url === undefined)('server Redis (ioredis) specifics', () => {
  it('is chosen by createRedis when a url is given', async () => {
    const redis = createRedis({ url, logger: silentLogger() });
    expect(redis.kind).toBe('server');
    expect(await redis.ping()).toBe(true);
    await redis.close();
  });

  it('shares one GCRA limit between clients (edges) on the same server clock', async () => {
    const [a, b] = [url, url].map((u) => createServerRedis({ url: u as string, logger: silentLogger() }));
    if (!a || !b) throw new Error('unreachable');
    try {
      const limitKey = `${uniqueId('shared')}:limit`;
      const limit = { rate: 1, periodMs: 60_000, burst: 6 };
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).gcra(limitKey, limit)),
      );
      expect(results.filter((result) => result.allowed)).toHaveLength(6);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('fails fast with RedisUnavailableError when Redis is unreachable, instead of hanging', async () => {
    const redis = createServerRedis({ url: UNREACHABLE_URL, logger: silentLogger() });
    try {
      const elapsed = async (call: () => Promise<unknown>) => {
        const started = performance.now();
        const error = await call().then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(error).toBeInstanceOf(RedisUnavailableError);
        return performance.now() - started;
      };
      expect(await elapsed(() => redis.get('k'))).toBeLessThan(1_000);
      // Once the connection is known to be down, calls fail without waiting for any timeout.
      expect(await elapsed(() => redis.gcra('k', { rate: 1, periodMs: 1_000, burst: 1 }))).toBeLessThan(250);
      expect(await elapsed(() => redis.set('k', 'v', 1_000))).toBeLessThan(250);
      expect(await elapsed(() => redis.subscribe('c', () => undefined))).toBeLessThan(1_000);
      const pingStarted = performance.now();
      expect(await redis.ping()).toBe(false);
      expect(performance.now() - pingStarted).toBeLessThan(1_000);
    } finally {
      const closeStarted = performance.now();
      await redis.close();
      expect(performance.now() - closeStarted).toBeLessThan(500);
    }
  });

  it('leaves no sockets behind after close', async () => {
    const sockets = () => process.getActiveResourcesInfo().filter((type) => type === 'TCPSocketWrap').length;
    // Sockets finish closing a moment after close resolves; a leaked one stays open.
    const settled = () => vi.waitFor(() => expect(sockets()).toBe(0), { timeout: 1_000, interval: 10 });
    await settled();
    const redis = createServerRedis({ url: url as string, logger: silentLogger() });
    await redis.set(`${uniqueId('sock')}:k`, 'v', 1_000);
    const unsubscribe = await redis.subscribe(uniqueId('sock-chan'), () => undefined);
    expect(sockets()).toBe(2);
    await unsubscribe();
    await redis.close();
    await settled();
  });
});
