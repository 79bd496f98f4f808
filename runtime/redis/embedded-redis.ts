// Embedded mode: the Redis subset we use, in process memory, for a single-process deployment.
// Same semantics as the server adapter: string and hash keys with millisecond expiry, WRONGTYPE
// errors, GCRA through the same arithmetic (gcra.ts), and pub/sub that delivers asynchronously.
import { EventEmitter } from 'node:events';
import type { Logger } from '../logger/index.ts';
import { integerArgument, ttlArgument } from './arguments.ts';
import { decideGcra, planGcra } from './gcra.ts';
import {
  type GcraLimit,
  type GcraResult,
  type Redis,
  RedisUnavailableError,
  type Unsubscribe,
} from './types.ts';

/** How often expired keys nobody reads again (e.g. per-IP limits) are swept, like Redis's active expiry. */
export const SWEEP_INTERVAL_MS = 1_000;
/** Keys examined per sweep: bounded so a large keyspace never stalls the event loop. */
export const SWEEP_BATCH = 10_000;

export interface EmbeddedRedisOptions {
  /** Where a throwing message handler is reported; without one it becomes a process warning. */
  logger?: Logger;
  /** Overrides SWEEP_INTERVAL_MS (tests). */
  sweepIntervalMs?: number;
}

export interface EmbeddedRedis extends Redis {
  /** Keys held in memory, including expired ones not yet swept (for tests and metrics). */
  keyCount(): number;
}

type Value = string | Map<string, string>;

interface Entry {
  value: Value;
  /** Monotonic ms (see nowMs) after which the key is gone; undefined = no expiry. */
  expiresAt: number | undefined;
}

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INTEGER = 'ERR value is not an integer or out of range';
const HASH_NOT_INTEGER = 'ERR hash value is not an integer';
const INTEGER_TEXT = /^-?(0|[1-9]\d*)$/;

/** Wall-clock-aligned but monotonic: a system clock step cannot expire or revive keys. */
const nowMs = (): number => performance.timeOrigin + performance.now();

export function createEmbeddedRedis(options: EmbeddedRedisOptions = {}): EmbeddedRedis {
  const store = new Map<string, Entry>();
  const bus = new EventEmitter();
  // Any number of subscribers per channel is normal here; the default of 10 would warn.
  bus.setMaxListeners(0);
  let closed = false;

  const sweeper = startSweeper(store, options.sweepIntervalMs ?? SWEEP_INTERVAL_MS);

  const open = (): void => {
    if (closed) throw new RedisUnavailableError('Redis client is closed');
  };
  const live = (key: string): Entry | undefined => {
    const entry = store.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= nowMs()) {
      store.delete(key);
      return undefined;
    }
    return entry;
  };
  const stringAt = (key: string): string | null => {
    const value = live(key)?.value;
    if (value === undefined) return null;
    if (typeof value !== 'string') throw new Error(WRONGTYPE);
    return value;
  };
  const hashAt = (key: string, create: boolean): Map<string, string> | undefined => {
    const entry = live(key);
    if (entry === undefined) {
      if (!create) return undefined;
      const fields = new Map<string, string>();
      store.set(key, { value: fields, expiresAt: undefined });
      return fields;
    }
    if (typeof entry.value === 'string') throw new Error(WRONGTYPE);
    return entry.value;
  };

  return {
    kind: 'embedded',
    keyCount: () => store.size,
    async get(key) {
      open();
      return stringAt(key);
    },
    async set(key, value, ttlMs) {
      open();
      const expiresAt = ttlMs === undefined ? undefined : nowMs() + ttlArgument(ttlMs);
      store.set(key, { value, expiresAt });
    },
    async del(...keys) {
      open();
      let removed = 0;
      for (const key of keys) {
        if (live(key) !== undefined) {
          store.delete(key);
          removed++;
        }
      }
      return removed;
    },
    async incrBy(key, by, ttlMs) {
      open();
      integerArgument('by', by);
      const ttl = ttlMs === undefined ? undefined : ttlArgument(ttlMs);
      const current = stringAt(key);
      const next = parseInteger(current ?? '0', NOT_INTEGER) + by;
      const entry = live(key);
      const expiresAt = entry?.expiresAt ?? (ttl === undefined ? undefined : nowMs() + ttl);
      store.set(key, { value: String(next), expiresAt });
      return next;
    },
    async hset(key, fields) {
      open();
      const entries = Object.entries(fields);
      if (entries.length === 0) return;
      const hash = hashAt(key, true) as Map<string, string>;
      for (const [field, value] of entries) hash.set(field, value);
    },
    async hgetall(key) {
      open();
      return Object.fromEntries(hashAt(key, false) ?? []);
    },
    async hincrBy(key, field, by) {
      open();
      integerArgument('by', by);
      const hash = hashAt(key, true) as Map<string, string>;
      const next = parseInteger(hash.get(field) ?? '0', HASH_NOT_INTEGER) + by;
      hash.set(field, String(next));
      return next;
    },
    async hgetallAndDelete(key) {
      open();
      const hash = hashAt(key, false);
      if (hash === undefined) return {};
      store.delete(key);
      return Object.fromEntries(hash);
    },
    async gcra(key: string, limit: GcraLimit, cost = 1): Promise<GcraResult> {
      open();
      const plan = planGcra(limit, cost);
      const stored = stringAt(key);
      const now = nowMs();
      const decision = decideGcra(
        stored === null ? null : parseInteger(stored, NOT_INTEGER),
        Math.round(now * 1000),
        plan,
      );
      if (decision.newTatUs !== null) {
        store.set(key, { value: String(decision.newTatUs), expiresAt: now + decision.ttlMs });
      }
      return decision.result;
    },
    async publish(channel, message) {
      open();
      // Like Redis: the publisher never runs subscriber code, and each subscriber sees messages in order.
      const listeners = bus.listeners(channel) as ((message: string) => void)[];
      for (const listener of listeners) setImmediate(() => listener(message));
    },
    async subscribe(channel: string, onMessage: (message: string) => void): Promise<Unsubscribe> {
      open();
      let active = true;
      const listener = (message: string): void => {
        // A message already scheduled when unsubscribe() ran is not delivered.
        if (!active) return;
        try {
          onMessage(message);
        } catch (error) {
          // A failing handler must not break delivery to the others.
          reportHandlerError(error, options.logger);
        }
      };
      bus.on(channel, listener);
      return async () => {
        active = false;
        bus.off(channel, listener);
      };
    },
    async ping() {
      return !closed;
    },
    async close() {
      closed = true;
      clearInterval(sweeper);
      bus.removeAllListeners();
      store.clear();
    },
  };
}

function reportHandlerError(error: unknown, logger: Logger | undefined): void {
  if (logger) logger.error({ err: error }, 'redis message handler threw');
  else process.emitWarning(error instanceof Error ? error : new Error(String(error)));
}

function parseInteger(text: string, errorMessage: string): number {
  const value = Number(text);
  if (!INTEGER_TEXT.test(text) || !Number.isSafeInteger(value)) throw new Error(errorMessage);
  return value;
}

/** Deletes expired keys a batch at a time, resuming where the previous sweep stopped. */
function startSweeper(store: Map<string, Entry>, intervalMs: number): NodeJS.Timeout {
  let cursor = store.entries();
  const timer = setInterval(() => {
    const now = nowMs();
    for (let examined = 0; examined < SWEEP_BATCH; examined++) {
      const next = cursor.next();
      if (next.done) {
        cursor = store.entries();
        return;
      }
      const [key, entry] = next.value;
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) store.delete(key);
    }
  }, intervalMs);
  // Never keeps the process alive on its own.
  timer.unref();
  return timer;
}
