// The control plane's relational store. Two implementations: a `pg` pool (server) and PGlite
// (embedded, in-process). Both take `$1`-style parameters and return plain rows.
//
// Values come back the same in both: int8/bigint (e.g. count(*)) and numeric as strings (no
// precision loss), `date` as 'YYYY-MM-DD', timestamptz as Date, json/jsonb parsed, arrays as arrays.

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  /** One statement, parameters bound server-side (never interpolate input into `text`). */
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** One or more statements without parameters (DDL, migrations). */
  exec(sql: string): Promise<void>;
}

export interface Postgres extends Queryable {
  readonly kind: 'embedded' | 'server';
  /**
   * Run fn in one transaction; commit if it resolves, roll back if it throws. Inside fn use only
   * `tx`: calling this Postgres's own query/transaction there is rejected (embedded mode has one
   * connection, so it would wait for the transaction forever).
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** True when the database answers; never throws. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** SQLSTATE codes callers branch on (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export const SqlState = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  notNullViolation: '23502',
  /** A tx handle used after its transaction ended. */
  invalidTransactionState: '25000',
  /** The transaction had already failed, so COMMIT rolled it back. */
  inFailedTransaction: '25P02',
  /** statement_timeout hit, or the query was cancelled. */
  queryCanceled: '57014',
  /** Could not reach Postgres, or the connection broke. */
  connectionFailure: '08006',
  /** Used after close(). */
  connectionDoesNotExist: '08003',
} as const;

/** Postgres failures mapped at the adapter edge; `code` is the SQLSTATE (e.g. 23505 unique_violation). */
export class PostgresError extends Error {
  override readonly name = 'PostgresError';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly constraint: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
