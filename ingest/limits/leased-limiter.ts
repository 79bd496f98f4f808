// Rate limits per key and per IP with GCRA. The authoritative bucket lives in Redis (shared by
// every edge); each edge takes small leases of units from it and spends them locally, so most
// requests cost no round trip. Unspent leases lapse quickly, so an edge can only ever under-admit
// relative to the shared limit, never over-admit. If Redis is unreachable, each edge falls back
// to a local bucket with the same limit (fail open) and reports it.
import type { GcraLimit, Redis } from '../../runtime/redis/index.ts';
import { createEmbeddedRedis } from '../../runtime/redis/index.ts';

export interface LimitDecision {
  allowed: boolean;
  retryAfterMs: number;
}

export interface LeasedLimiterOptions {
  redis: Redis;
  prefix: string;
  /** units per second, and how many may arrive at once */
  perSecond: number;
  burst: number;
  now: () => number;
  onFailOpen?: (failing: boolean) => void;
}

// A lease is 1/50 s of the sustained rate: a few round trips per second per key and edge, and
// at most 20 ms of rate stranded on an edge that stops sending.
const LEASE_SECONDS = 0.02;
// Unspent units expire this fast so they cannot pile up into a burst above the limit.
const LEASE_TTL_MS = 100;
// Expired leases are swept once this many subjects are tracked, bounding memory under IP churn.
const MAX_TRACKED_SUBJECTS = 100_000;
// After Redis fails, stay on local limits this long before trying it again.
const REDIS_RETRY_MS = 1_000;

interface Lease {
  units: number;
  expiresAt: number;
}

export class LeasedLimiter {
  private readonly leases = new Map<string, Lease>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly limit: GcraLimit;
  private readonly leaseUnits: number;
  private local: Redis | undefined;
  private redisDownUntil = 0;

  constructor(private readonly options: LeasedLimiterOptions) {
    this.limit = { rate: options.perSecond, periodMs: 1000, burst: options.burst };
    this.leaseUnits = Math.max(1, Math.floor(options.perSecond * LEASE_SECONDS));
  }

  /** Spend `cost` units for `subject`, or say how long until they would be admitted. */
  async take(subject: string, cost = 1): Promise<LimitDecision> {
    for (;;) {
      if (this.spend(subject, cost)) return { allowed: true, retryAfterMs: 0 };
      // One lease request per subject at a time: others wait for it, then look again, so
      // units already paid for in the shared bucket are never overwritten and lost.
      const pending = this.inflight.get(subject);
      if (!pending) break;
      await pending;
    }
    const request = this.acquire(subject, cost);
    const settled = request.then(
      () => undefined,
      () => undefined,
    );
    this.inflight.set(subject, settled);
    try {
      return await request;
    } finally {
      this.inflight.delete(subject);
    }
  }

  private spend(subject: string, cost: number): boolean {
    const lease = this.leases.get(subject);
    if (!lease || lease.expiresAt <= this.options.now() || lease.units < cost) return false;
    lease.units -= cost;
    return true;
  }

  private async acquire(subject: string, cost: number): Promise<LimitDecision> {
    const want = Math.max(cost, this.leaseUnits);
    let result = await this.gcra(subject, want);
    if (!result.allowed && want > cost) result = await this.gcra(subject, cost);
    if (!result.allowed) return { allowed: false, retryAfterMs: result.retryAfterMs };
    const now = this.options.now();
    const current = this.leases.get(subject);
    const left = current && current.expiresAt > now ? current.units : 0;
    this.leases.set(subject, { units: left + result.granted - cost, expiresAt: now + LEASE_TTL_MS });
    if (this.leases.size > MAX_TRACKED_SUBJECTS) this.sweep();
    return { allowed: true, retryAfterMs: 0 };
  }

  private async gcra(subject: string, units: number) {
    const key = `${this.options.prefix}${subject}`;
    if (this.options.now() >= this.redisDownUntil) {
      try {
        const result = await this.options.redis.gcra(key, this.limit, units);
        if (this.redisDownUntil !== 0) {
          this.redisDownUntil = 0;
          this.options.onFailOpen?.(false);
        }
        return { ...result, granted: units };
      } catch {
        this.redisDownUntil = this.options.now() + REDIS_RETRY_MS;
        this.options.onFailOpen?.(true);
      }
    }
    this.local ??= createEmbeddedRedis();
    const result = await this.local.gcra(key, this.limit, units);
    return { ...result, granted: units };
  }

  private sweep(): void {
    const now = this.options.now();
    for (const [subject, lease] of this.leases) if (lease.expiresAt <= now) this.leases.delete(subject);
  }

  async close(): Promise<void> {
    await this.local?.close();
  }
}
