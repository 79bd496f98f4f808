import type { ClickHouse } from '../clickhouse/index.ts';
import type { Config } from '../runtime/config/index.ts';
import type { Logger } from '../runtime/logger/index.ts';
import type { Postgres } from '../runtime/postgres/index.ts';
import type { Redis } from '../runtime/redis/index.ts';
import type { QueryCache } from './cache/index.ts';

/** Everything the query API needs, built by the launcher (or a test) and passed in. */
export interface QueryApiDeps {
  clickhouse: ClickHouse;
  /** Read only: owners, apps, key records and metric configs of the control plane. */
  postgres: Postgres;
  redis: Redis;
  config: Readonly<Config> & { apiKeySecret: string; jwtSecret: string };
  logger: Logger;
  /** Milliseconds since the epoch; tests move time without sleeping. */
  now: () => number;
}

/** What route builders receive: the dependencies plus the shared query cache. */
export interface QueryApiContext extends QueryApiDeps {
  cache: QueryCache;
}
