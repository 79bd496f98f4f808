import type { Config } from '../runtime/config/index.ts';
import type { Logger } from '../runtime/logger/index.ts';
import type { Postgres } from '../runtime/postgres/index.ts';
import type { Redis } from '../runtime/redis/index.ts';

/** Everything the control plane needs, built by the launcher (or a test) and passed in. */
export interface ControlPlaneDeps {
  config: Readonly<Config> & { apiKeySecret: string; jwtSecret: string };
  postgres: Postgres;
  redis: Redis;
  logger: Logger;
  /** Milliseconds since the epoch; tests move time without sleeping. */
  now: () => number;
}
