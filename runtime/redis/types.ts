// Shared fast state: key-record cache, rate limits, query cache, and invalidation messages.
// Two implementations: ioredis (server) and an in-process one (embedded, single process).

export interface GcraLimit {
  /** Sustained rate: requests (or cost units) per period. */
  rate: number;
  periodMs: number;
  /**
   * How many units may arrive at once: from idle, exactly `burst` units are admitted back to back,
   * then one more every `periodMs / rate`. An integer >= 1.
   */
  burst: number;
}

export interface GcraResult {
  allowed: boolean;
  /** When not allowed: how long until `cost` units would be admitted. */
  retryAfterMs: number;
  /** Units that could still be admitted right now. */
  remaining: number;
}

export type Unsubscribe = () => Promise<void>;

export interface Redis {
  readonly kind: 'embedded' | 'server';
  get(key: string): Promise<string | null>;
  /** ttlMs omitted = no expiry (and any earlier expiry is cleared). */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  del(...keys: string[]): Promise<number>;
  /** ttlMs is applied when the key has no expiry yet, so the first increment starts a fixed window. */
  incrBy(key: string, by: number, ttlMs?: number): Promise<number>;
  hset(key: string, fields: Readonly<Record<string, string>>): Promise<void>;
  hgetall(key: string): Promise<Record<string, string>>;
  hincrBy(key: string, field: string, by: number): Promise<number>;
  /** Read and delete a hash in one step (for draining aggregated counters). */
  hgetallAndDelete(key: string): Promise<Record<string, string>>;
  /**
   * Atomic GCRA (generic cell rate algorithm) check-and-consume of `cost` units (an integer,
   * default 1; 0 only reports `remaining`). A cost above `limit.burst` can never be admitted and
   * throws RangeError, as do non-positive rates and periods: both are caller bugs.
   */
  gcra(key: string, limit: GcraLimit, cost?: number): Promise<GcraResult>;
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once the subscription is live, so no message published after it is missed. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<Unsubscribe>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Redis could not be reached in time (or the client is closed): callers fail open or degrade. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}
