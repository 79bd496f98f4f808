// Server mode: ioredis. Every call is bounded: when Redis is down, calls fail within about a
// second with RedisUnavailableError (at once while a reconnect is pending), so the edge can fail
// open instead of holding requests. Pub/sub uses its own connection, as Redis requires.
import { Redis as IORedis } from 'ioredis';
import type { Logger } from '../logger/index.ts';
import { integerArgument, ttlArgument } from './arguments.ts';
import { planGcra } from './gcra.ts';
import { SCRIPTS, type ScriptCommands } from './server-scripts.ts';
import {
  type GcraLimit,
  type GcraResult,
  type Redis,
  RedisUnavailableError,
  type Unsubscribe,
} from './types.ts';

/** A reachable Redis on the same network connects in milliseconds; longer only delays failing open. */
export const CONNECT_TIMEOUT_MS = 1_000;
/** Redis answers in well under a millisecond; half a second without a reply means it is unhealthy. */
export const COMMAND_TIMEOUT_MS = 500;
/** One reconnect attempt may carry a queued command; beyond that the caller is better off failing open. */
export const MAX_RETRIES_PER_REQUEST = 1;
/** Reconnect quickly after a blip, then back off so a down Redis is not hammered. */
export const RECONNECT_STEP_MS = 100;
export const RECONNECT_MAX_MS = 2_000;
/** QUIT lets in-flight replies arrive; a Redis that does not answer it is disconnected anyway. */
export const CLOSE_TIMEOUT_MS = 1_000;

export interface ServerRedisOptions {
  url: string;
  logger: Logger;
}

type Client = IORedis & ScriptCommands;
type Role = 'commands' | 'subscriber';
type Handler = (message: string) => void;

interface Channel {
  handlers: Set<Handler>;
  /** Settles when Redis acknowledged the SUBSCRIBE for this channel. */
  live: Promise<unknown>;
}

export function createServerRedis(options: ServerRedisOptions): Redis {
  const { url, logger } = options;
  const client = connect(url, logger, 'commands');
  let subscriber: Client | undefined;
  const channels = new Map<string, Channel>();
  let closing: Promise<void> | undefined;

  const run = <T>(target: Client, command: () => Promise<T>): Promise<T> => {
    if (closing) return Promise.reject(new RedisUnavailableError('Redis client is closed'));
    return runBounded(target, command);
  };
  const subscriberClient = (): Client => {
    if (subscriber) return subscriber;
    const created = connect(url, logger, 'subscriber');
    created.on('message', (channel: string, message: string) => {
      for (const handler of channels.get(channel)?.handlers ?? []) deliver(handler, message, logger);
    });
    subscriber = created;
    return created;
  };

  return {
    kind: 'server',
    get: (key) => run(client, () => client.get(key)),
    async set(key, value, ttlMs) {
      if (ttlMs === undefined) await run(client, () => client.set(key, value));
      else {
        const px = ttlArgument(ttlMs);
        await run(client, () => client.set(key, value, 'PX', px));
      }
    },
    async del(...keys) {
      if (keys.length === 0) return 0;
      return run(client, () => client.del(...keys));
    },
    async incrBy(key, by, ttlMs) {
      integerArgument('by', by);
      if (ttlMs === undefined) return run(client, () => client.incrby(key, by));
      const px = ttlArgument(ttlMs);
      return run(client, () => client.clickstreamIncrByTtl(key, by, px));
    },
    async hset(key, fields) {
      if (Object.keys(fields).length === 0) return;
      await run(client, () => client.hset(key, fields));
    },
    hgetall: (key) => run(client, () => client.hgetall(key)),
    async hincrBy(key, field, by) {
      integerArgument('by', by);
      return run(client, () => client.hincrby(key, field, by));
    },
    async hgetallAndDelete(key) {
      return pairsToRecord(await run(client, () => client.clickstreamHgetallDel(key)));
    },
    async gcra(key: string, limit: GcraLimit, cost = 1): Promise<GcraResult> {
      const plan = planGcra(limit, cost);
      const [allowed, retryAfterMs, remaining] = await run(client, () =>
        client.clickstreamGcra(key, plan.emissionUs, plan.toleranceUs, plan.costUs),
      );
      return { allowed: allowed === 1, retryAfterMs, remaining };
    },
    async publish(channel, message) {
      await run(client, () => client.publish(channel, message));
    },
    async subscribe(channel: string, onMessage: Handler): Promise<Unsubscribe> {
      // Checked before subscriberClient(), which would otherwise open a connection close() never sees.
      if (closing) throw new RedisUnavailableError('Redis client is closed');
      const sub = subscriberClient();
      // A wrapper per call, so the same function subscribed twice is two independent subscriptions.
      const handler: Handler = (message) => onMessage(message);
      let entry = channels.get(channel);
      if (!entry) {
        entry = { handlers: new Set(), live: run(sub, () => sub.subscribe(channel)) };
        channels.set(channel, entry);
      }
      const current = entry;
      current.handlers.add(handler);
      try {
        await current.live;
      } catch (error) {
        removeHandler(channels, channel, current, handler);
        throw error;
      }
      let active = true;
      return async () => {
        if (!active) return;
        active = false;
        // Delivery stops here, whatever happens to the UNSUBSCRIBE below.
        if (!removeHandler(channels, channel, current, handler) || closing) return;
        await run(sub, () => sub.unsubscribe(channel)).catch((error: unknown) => {
          // Harmless: messages for a channel without handlers are dropped on arrival.
          logger.debug({ err: error, channel }, 'redis unsubscribe failed');
        });
      };
    },
    async ping() {
      return run(client, () => client.ping()).then(
        (reply) => reply === 'PONG',
        () => false,
      );
    },
    close() {
      closing ??= Promise.all([quit(client), subscriber ? quit(subscriber) : undefined]).then(() => {
        channels.clear();
        logger.debug('redis connections closed');
      });
      return closing;
    },
  };
}

function connect(url: string, logger: Logger, role: Role): Client {
  const client = new IORedis(url, {
    connectionName: `clickstream-${role}`,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
    retryStrategy: (attempt) => Math.min(attempt * RECONNECT_STEP_MS, RECONNECT_MAX_MS),
  }) as Client;
  for (const [name, definition] of Object.entries(SCRIPTS)) client.defineCommand(name, definition);
  reportAvailability(client, logger, role);
  return client;
}

/** One warning when Redis goes away and one line when it is back, not one per reconnect attempt. */
function reportAvailability(client: Client, logger: Logger, role: Role): void {
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: error, role }, 'redis unavailable; calls fail fast until it reconnects');
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ role }, 'redis connection restored');
  });
}

/** States in which ioredis knows the connection is gone: fail now rather than after a timeout. */
const DISCONNECTED = new Set(['reconnecting', 'close', 'end']);

async function runBounded<T>(client: Client, command: () => Promise<T>): Promise<T> {
  if (DISCONNECTED.has(client.status)) {
    throw new RedisUnavailableError(`Redis is unavailable (connection ${client.status})`);
  }
  try {
    return await command();
  } catch (error) {
    throw toRedisError(error);
  }
}

/** A reply from Redis (WRONGTYPE, a script error) is a bug and passes through; anything else means unreachable. */
function toRedisError(error: unknown): Error {
  if (error instanceof Error && error.name === 'ReplyError') return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RedisUnavailableError(`Redis is unavailable: ${message}`, { cause: error });
}

function removeHandler(
  channels: Map<string, Channel>,
  name: string,
  entry: Channel,
  handler: Handler,
): boolean {
  entry.handlers.delete(handler);
  if (entry.handlers.size > 0 || channels.get(name) !== entry) return false;
  channels.delete(name);
  return true;
}

function deliver(handler: Handler, message: string, logger: Logger): void {
  try {
    handler(message);
  } catch (error) {
    logger.error({ err: error }, 'redis message handler threw');
  }
}

async function quit(client: Client): Promise<void> {
  try {
    if (client.status === 'ready') await withTimeout(client.quit(), CLOSE_TIMEOUT_MS);
  } catch {
    // Closing anyway: disconnect() below drops the socket and stops reconnecting.
  } finally {
    client.disconnect();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function pairsToRecord(pairs: readonly string[]): Record<string, string> {
  const entries: [string, string][] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) entries.push([pairs[i] as string, pairs[i + 1] as string]);
  // fromEntries defines own properties, so a field named "__proto__" cannot touch the prototype.
  return Object.fromEntries(entries);
}
