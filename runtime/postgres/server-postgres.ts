// Server mode: a `pg` connection pool. Pool size, connect wait and statement time are bounded so
// a slow or unreachable Postgres fails requests quickly instead of piling them up.
import pg from 'pg';
import type { Logger } from '../logger/index.ts';
import {
  abortedTransactionError,
  closedError,
  finishedTransactionError,
  toPostgresError,
} from './map-error.ts';
import { assertOutsideTransaction, runInTransactionScope } from './transaction-scope.ts';
import type { Postgres, Queryable, QueryResult } from './types.ts';
import { withTimeout } from './with-timeout.ts';

/**
 * Connections per process. Control-plane traffic is light (owner UI, key lookups that missed the
 * LRU and Redis); 10 lets a few services and edges share Postgres's default max_connections (100).
 */
export const POOL_MAX = 10;
/** Waiting longer for a connection (server unreachable, pool exhausted) should fail the request. */
export const CONNECT_TIMEOUT_MS = 5_000;
/** Control-plane statements are point lookups and small writes; a longer one is a bug or a lock pile-up. */
export const STATEMENT_TIMEOUT_MS = 15_000;
/** Quiet processes give their connections back instead of pinning server slots. */
export const IDLE_TIMEOUT_MS = 30_000;
/** Readiness checks must answer quickly even when Postgres hangs. */
export const PING_TIMEOUT_MS = 2_000;

/** `date` stays 'YYYY-MM-DD' text: pg's default turns it into local midnight, which shifts by time zone. */
const DATE_OID = 1082;

export interface ServerPostgresOptions {
  url: string;
  logger: Logger;
  /** Overrides STATEMENT_TIMEOUT_MS (tests, long-running tools). */
  statementTimeoutMs?: number;
  /** Overrides POOL_MAX. */
  poolMax?: number;
}

const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === DATE_OID
      ? (value: string) => value
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export function createServerPostgres(options: ServerPostgresOptions): Postgres {
  const { logger } = options;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax ?? POOL_MAX,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    statement_timeout: options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS,
    // Detects a dead peer on idle connections instead of waiting for the next query to hang.
    keepAlive: true,
    types: typeParsers,
  });
  // An idle connection dropped by the server emits here; without a listener it would crash the process.
  pool.on('error', (err) => logger.warn({ err }, 'idle postgres connection failed; the pool replaces it'));

  let closing: Promise<void> | undefined;
  const assertOpen = (): void => {
    if (closing) throw closedError();
  };

  const self: Postgres = {
    kind: 'server',
    async query<T>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      assertOpen();
      assertOutsideTransaction(self);
      return runQuery<T>(pool, text, params);
    },
    async exec(sql: string): Promise<void> {
      assertOpen();
      assertOutsideTransaction(self);
      await runSimple(pool, sql);
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      assertOpen();
      assertOutsideTransaction(self);
      const client = await pool.connect().catch((err: unknown) => {
        throw toPostgresError(err);
      });
      return runTransaction(self, client, fn);
    },
    async ping(): Promise<boolean> {
      if (closing) return false;
      return withTimeout(runQuery(pool, 'SELECT 1', []), PING_TIMEOUT_MS).then(
        () => true,
        () => false,
      );
    },
    close(): Promise<void> {
      closing ??= pool.end().then(() => logger.debug('postgres pool closed'));
      return closing;
    },
  };
  return self;
}

type Runner = pg.Pool | pg.PoolClient;

/** The extended protocol takes exactly one statement, like PGlite's query(): same rules in both modes. */
async function runQuery<T>(
  runner: Runner,
  text: string,
  params?: readonly unknown[],
): Promise<QueryResult<T>> {
  const config: pg.QueryConfig & { queryMode: 'extended' } = {
    text,
    values: params ? [...params] : [],
    queryMode: 'extended',
  };
  try {
    const result = await runner.query(config);
    return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
  } catch (err) {
    throw toPostgresError(err);
  }
}

/** The simple protocol allows several statements (DDL, migrations) when no parameters are bound. */
async function runSimple(runner: Runner, sql: string): Promise<pg.QueryResult> {
  try {
    return await runner.query(sql);
  } catch (err) {
    throw toPostgresError(err);
  }
}

async function runTransaction<T>(
  owner: Postgres,
  client: pg.PoolClient,
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  let finished = false;
  const guard = (): void => {
    if (finished) throw finishedTransactionError();
  };
  const tx: Queryable = {
    async query<R>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      guard();
      return runQuery<R>(client, text, params);
    },
    async exec(sql: string): Promise<void> {
      guard();
      await runSimple(client, sql);
    },
  };
  let brokenConnection: Error | undefined;
  try {
    await runSimple(client, 'BEGIN');
    const result = await runInTransactionScope(owner, () => fn(tx));
    finished = true;
    const commit = await runSimple(client, 'COMMIT');
    // Postgres answers COMMIT of an already-failed transaction with ROLLBACK instead of an error.
    if (commit.command === 'ROLLBACK') throw abortedTransactionError();
    return result;
  } catch (err) {
    finished = true;
    brokenConnection = await rollbackQuietly(client);
    throw err;
  } finally {
    // A connection whose rollback failed is in an unknown state: destroy it instead of reusing it.
    client.release(brokenConnection);
  }
}

async function rollbackQuietly(client: pg.PoolClient): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}
