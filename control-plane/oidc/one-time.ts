import type { Redis } from '../../runtime/redis/index.ts';

/** Store a value that can be taken exactly once before it expires. */
export async function putOnce(redis: Redis, key: string, value: unknown, ttlMs: number): Promise<void> {
  await redis.set(key, JSON.stringify(value), ttlMs);
}

/**
 * Take a value stored by putOnce, or undefined if it is unknown, expired or already taken.
 * Two callers racing for the same key may both read it, but DEL is atomic and removes it for
 * exactly one of them: only that caller gets the value, so it is used once.
 */
export async function takeOnce(redis: Redis, key: string): Promise<unknown> {
  const raw = await redis.get(key);
  if (raw === null) return undefined;
  if ((await redis.del(key)) !== 1) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}
