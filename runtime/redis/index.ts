// Shared fast state behind one interface: ioredis when REDIS_URL is set, an in-process store
// otherwise. Callers see only `Redis` and must never import ioredis; this folder must never learn
// what the keys mean (key records, limits and counters belong to their features).
import type { Logger } from '../logger/index.ts';
import { createEmbeddedRedis } from './embedded-redis.ts';
import { createServerRedis } from './server-redis.ts';
import type { Redis } from './types.ts';

export { createEmbeddedRedis, type EmbeddedRedis, type EmbeddedRedisOptions } from './embedded-redis.ts';
export {
  COMMAND_TIMEOUT_MS,
  CONNECT_TIMEOUT_MS,
  createServerRedis,
  type ServerRedisOptions,
} from './server-redis.ts';
export {
  type GcraLimit,
  type GcraResult,
  type Redis,
  RedisUnavailableError,
  type Unsubscribe,
} from './types.ts';

export interface RedisOptions {
  /** REDIS_URL; undefined selects the in-process store. */
  url: string | undefined;
  logger: Logger;
}

export function createRedis(options: RedisOptions): Redis {
  if (options.url === undefined) return createEmbeddedRedis({ logger: options.logger });
  return createServerRedis({ url: options.url, logger: options.logger });
}
