// The control plane's relational store behind one interface: a `pg` pool when DATABASE_URL is
// set, in-process PGlite otherwise. Everything above this folder sees only `Postgres`; it must
// never import `pg` or PGlite directly, and this folder must never hold product tables or queries.
import type { Logger } from '../logger/index.ts';
import { createEmbeddedPostgres } from './embedded-postgres.ts';
import { createServerPostgres } from './server-postgres.ts';
import type { Postgres } from './types.ts';

export { createEmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded-postgres.ts';
export {
  CONNECT_TIMEOUT_MS,
  createServerPostgres,
  POOL_MAX,
  type ServerPostgresOptions,
  STATEMENT_TIMEOUT_MS,
} from './server-postgres.ts';
export { type Postgres, PostgresError, type Queryable, type QueryResult, SqlState } from './types.ts';

/** A timestamp column as ISO 8601 text: pg returns Date objects, PGlite may return strings. */
export const isoTimestamp = (value: Date | string): string => new Date(value).toISOString();

export interface PostgresOptions {
  /** DATABASE_URL; undefined selects the embedded database in `dataDir`. */
  url: string | undefined;
  /** Where embedded data lives (e.g. `${DATA_DIR}/postgres`); unused in server mode. */
  dataDir: string;
  logger: Logger;
}

export async function createPostgres(options: PostgresOptions): Promise<Postgres> {
  if (options.url === undefined)
    return createEmbeddedPostgres({ dataDir: options.dataDir, logger: options.logger });
  return createServerPostgres({ url: options.url, logger: options.logger });
}
