// Key usage (request counts and last use) aggregated in memory by whoever serves requests,
// flushed to one Redis hash every few seconds, and folded into Postgres by the control plane
// in a single statement: never a Postgres write per ingest request.
import type { Postgres } from '../../runtime/postgres/index.ts';
import type { Redis } from '../../runtime/redis/index.ts';

export const USAGE_COUNTS_KEY = 'apikey:usage:count';
export const USAGE_LAST_USED_KEY = 'apikey:usage:last';

/** In-process tally; `flush` moves it to Redis. */
export class KeyUsageTally {
  private counts = new Map<string, number>();
  private lastUsed = new Map<string, number>();

  record(keyId: string, now: number, requests = 1): void {
    this.counts.set(keyId, (this.counts.get(keyId) ?? 0) + requests);
    this.lastUsed.set(keyId, now);
  }

  async flush(redis: Redis): Promise<void> {
    if (this.counts.size === 0) return;
    const counts = this.counts;
    const lastUsed = this.lastUsed;
    this.counts = new Map();
    this.lastUsed = new Map();
    try {
      for (const [keyId, count] of counts) await redis.hincrBy(USAGE_COUNTS_KEY, keyId, count);
      await redis.hset(
        USAGE_LAST_USED_KEY,
        Object.fromEntries([...lastUsed].map(([k, v]) => [k, String(v)])),
      );
    } catch (error) {
      // Keep the tally for the next flush rather than lose it.
      for (const [keyId, count] of counts) this.record(keyId, lastUsed.get(keyId) ?? 0, count);
      throw error;
    }
  }
}

/** Fold pending usage from Redis into Postgres. Returns how many keys were updated. */
export async function drainKeyUsage(deps: { redis: Redis; postgres: Postgres }): Promise<number> {
  const counts = await deps.redis.hgetallAndDelete(USAGE_COUNTS_KEY);
  const lastUsed = await deps.redis.hgetallAndDelete(USAGE_LAST_USED_KEY);
  const ids = [...new Set([...Object.keys(counts), ...Object.keys(lastUsed)])].filter((id) => UUID.test(id));
  if (ids.length === 0) return 0;
  await deps.postgres.query(
    `UPDATE api_keys k SET
       request_count = k.request_count + u.count,
       last_used_at = CASE WHEN u.last_ms > 0
         THEN GREATEST(k.last_used_at, to_timestamp(u.last_ms / 1000.0)) ELSE k.last_used_at END
     FROM unnest($1::uuid[], $2::bigint[], $3::double precision[]) AS u(id, count, last_ms)
     WHERE k.id = u.id`,
    [ids, ids.map((id) => Number(counts[id] ?? 0)), ids.map((id) => Number(lastUsed[id] ?? 0))],
  );
  return ids.length;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
