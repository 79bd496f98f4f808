import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logger/index.ts';
import { redisContract } from './contract.ts';
import { createEmbeddedRedis } from './embedded-redis.ts';
import { createRedis } from './index.ts';

describe('embedded Redis contract', () => {
  redisContract(() => createEmbeddedRedis({ logger: silentLogger() }));
});

describe('embedded Redis specifics', () => {
  it('is chosen by createRedis when no url is given', async () => {
    const redis = createRedis({ url: undefined, logger: silentLogger() });
    expect(redis.kind).toBe('embedded');
    await redis.close();
  });

  it('sweeps expired keys nobody reads again, so memory does not grow with idle keys', async () => {
    const redis = createEmbeddedRedis({ sweepIntervalMs: 20 });
    try {
      for (let i = 0; i < 500; i++) await redis.set(`idle:${i}`, 'x', 10);
      await redis.set('kept', 'x');
      await redis.gcra('limit', { rate: 1, periodMs: 30, burst: 1 });
      expect(redis.keyCount()).toBe(502);
      await vi.waitFor(() => expect(redis.keyCount()).toBe(1), { timeout: 1_000, interval: 20 });
      expect(await redis.get('kept')).toBe('x');
    } finally {
      await redis.close();
    }
  });
});
