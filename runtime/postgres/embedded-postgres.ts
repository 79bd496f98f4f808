// Embedded mode: PGlite (Postgres compiled to WebAssembly) on a local data directory. PGlite has
// one connection, so every call goes through one queue: a transaction owns the connection from
// BEGIN to COMMIT and no other query can land inside it.
import { mkdir } from 'node:fs/promises';
import { messages, PGlite, type Transaction, TransactionAbortedError, types } from '@electric-sql/pglite';
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

/** Readiness checks must answer quickly even when a long transaction holds the connection. */
export const EMBEDDED_PING_TIMEOUT_MS = 2_000;

export interface EmbeddedPostgresOptions {
  /** Directory holding the database files; created if missing, reopened if it exists. */
  dataDir: string;
  logger: Logger;
}

const keepText = (value: string): string => value;

/** Same value shapes as the server adapter: int8 as string (pg's default, no precision loss), date as text. */
const parsers = { [types.INT8]: keepText, [types.DATE]: keepText };

export async function createEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<Postgres> {
  const { dataDir, logger } = options;
  const startedAt = Date.now();
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir, parsers }).catch((err: unknown) => {
    throw toPostgresError(err);
  });
  logger.info({ dataDir, ms: Date.now() - startedAt }, 'embedded postgres ready');

  const queue = createSerialQueue();
  let closing: Promise<void> | undefined;
  const enter = (): void => {
    if (closing) throw closedError();
    assertOutsideTransaction(self);
  };

  const self: Postgres = {
    kind: 'embedded',
    async query<T>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      enter();
      return queue.run(() => runQuery<T>(db, text, params));
    },
    async exec(sql: string): Promise<void> {
      enter();
      await queue.run(() => runExec(db, sql));
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      enter();
      return queue.run(() => runTransaction(self, db, fn));
    },
    async ping(): Promise<boolean> {
      if (closing) return false;
      return withTimeout(
        queue.run(() => runQuery(db, 'SELECT 1')),
        EMBEDDED_PING_TIMEOUT_MS,
      ).then(
        () => true,
        () => false,
      );
    },
    close(): Promise<void> {
      // Queued work finishes first; closing flushes to disk and releases the data directory.
      closing ??= queue
        .run(() => db.close())
        .then(() => logger.debug({ dataDir }, 'embedded postgres closed'));
      return closing;
    },
  };
  return self;
}

type Runner = Pick<Transaction, 'query' | 'exec'>;

async function runQuery<T>(
  runner: Runner,
  text: string,
  params?: readonly unknown[],
): Promise<QueryResult<T>> {
  try {
    const result = await runner.query<T>(text, params ? [...params] : []);
    return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? 0 };
  } catch (err) {
    throw toPostgresError(err);
  }
}

async function runExec(runner: Runner, sql: string): Promise<void> {
  try {
    await runner.exec(sql);
  } catch (err) {
    throw toPostgresError(err);
  }
}

async function runTransaction<T>(owner: Postgres, db: PGlite, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(async (pgliteTx) => {
      let finished = false;
      const guard = (): void => {
        if (finished) throw finishedTransactionError();
      };
      const tx: Queryable = {
        async query<R>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
          guard();
          return runQuery<R>(pgliteTx, text, params);
        },
        async exec(sql: string): Promise<void> {
          guard();
          await runExec(pgliteTx, sql);
        },
      };
      try {
        return await runInTransactionScope(owner, () => fn(tx));
      } finally {
        finished = true;
      }
    });
  } catch (err) {
    // fn's own errors pass through untouched; BEGIN/COMMIT failures are mapped like any query's.
    if (err instanceof TransactionAbortedError) throw abortedTransactionError(err);
    if (err instanceof messages.DatabaseError) throw toPostgresError(err);
    throw err;
  }
}

interface SerialQueue {
  run<T>(task: () => Promise<T>): Promise<T>;
}

/** Runs tasks one at a time in call order; a failed task does not stop the ones behind it. */
function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      const result = tail.then(task);
      tail = result.catch(() => undefined);
      return result;
    },
  };
}
