// Keeps Redis's copy of every key record current and tells every edge when one changes.
// Postgres is the truth; Redis is the fast path; the pub/sub message evicts edge caches, which
// is how a revocation reaches every edge within a second.
import type { Logger } from '../../runtime/logger/index.ts';
import type { Postgres } from '../../runtime/postgres/index.ts';
import type { Redis, Unsubscribe } from '../../runtime/redis/index.ts';
import type { KeyRecord } from './record.ts';
import { loadKeyRecord } from './repository.ts';

export const KEY_RECORD_PREFIX = 'apikey:record:';
export const KEY_INVALIDATION_CHANNEL = 'apikey:invalidate';
// Redis copies expire so that even a lost publication cannot keep a stale record alive longer
// than this; a miss simply reads Postgres again.
export const KEY_RECORD_TTL_MS = 10 * 60 * 1000;
// Unknown HMACs are remembered briefly so a flood of fake-but-well-formed keys skips Postgres.
export const UNKNOWN_KEY_TTL_MS = 60 * 1000;
const NO_RECORD = 'null';
// A publication that fails is retried a few times before giving up (and logging loudly).
const PUBLISH_ATTEMPTS = 3;
const PUBLISH_RETRY_MS = 100;

interface Deps {
  postgres: Postgres;
  redis: Redis;
  logger: Logger;
}

/** Re-read each key from Postgres, write it to Redis, and broadcast its invalidation. */
export async function publishKeys(deps: Deps, keyHmacs: readonly string[]): Promise<void> {
  for (const hmac of keyHmacs) {
    const record = await loadKeyRecord(deps.postgres, hmac);
    for (let attempt = 1; ; attempt++) {
      try {
        await writeRecord(deps.redis, hmac, record);
        await deps.redis.publish(KEY_INVALIDATION_CHANNEL, hmac);
        break;
      } catch (error) {
        if (attempt >= PUBLISH_ATTEMPTS) {
          deps.logger.error(
            { err: error, keyId: record?.keyId },
            'key publication failed; edges converge when their cached record expires',
          );
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, PUBLISH_RETRY_MS * attempt));
      }
    }
  }
}

async function writeRecord(redis: Redis, hmac: string, record: KeyRecord | null): Promise<void> {
  await redis.set(
    KEY_RECORD_PREFIX + hmac,
    record ? JSON.stringify(record) : NO_RECORD,
    record ? KEY_RECORD_TTL_MS : UNKNOWN_KEY_TTL_MS,
  );
}

/**
 * The lookup the edge calls after its in-process cache misses: Redis, then Postgres (writing
 * the answer back to Redis). If Redis is down, Postgres alone answers.
 */
export async function lookupKeyRecord(
  deps: { redis: Redis; postgres: Postgres },
  keyHmac: string,
): Promise<KeyRecord | null> {
  let redisUp = true;
  try {
    const cached = await deps.redis.get(KEY_RECORD_PREFIX + keyHmac);
    if (cached !== null) return cached === NO_RECORD ? null : (JSON.parse(cached) as KeyRecord);
  } catch {
    redisUp = false;
  }
  const record = await loadKeyRecord(deps.postgres, keyHmac);
  if (redisUp) await writeRecord(deps.redis, keyHmac, record).catch(() => {});
  return record;
}

/** Call `onChange(hmac)` whenever a key changes anywhere; resolves once subscribed. */
export function subscribeKeyChanges(redis: Redis, onChange: (keyHmac: string) => void): Promise<Unsubscribe> {
  return redis.subscribe(KEY_INVALIDATION_CHANNEL, onChange);
}
