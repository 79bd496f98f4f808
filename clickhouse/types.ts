// The one interface every caller uses for ClickHouse. Two implementations exist: the embedded
// engine (chdb) and the server (@clickhouse/client). Nothing above this file knows which.

export type QueryParams = Readonly<Record<string, unknown>>;
export type QuerySettings = Readonly<Record<string, string | number | boolean>>;

export interface QueryOptions {
  /** Bound server-side to `{name:Type}` placeholders; never interpolated into SQL text. */
  params?: QueryParams;
  /** Per-query settings; settings the connected server does not know are dropped (and logged once). */
  settings?: QuerySettings;
  signal?: AbortSignal;
}

export interface InsertOptions {
  /** Makes a retried insert of the same batch a no-op (`insert_deduplication_token`). */
  deduplicationToken?: string;
  settings?: QuerySettings;
  /**
   * The writer has fallen behind: an engine that runs its work below normal priority (the
   * embedded one, see ENGINE_NICENESS) runs this insert, and the views it feeds, at normal
   * priority. A server keeps its own profile's priorities.
   */
  overdue?: boolean;
}

/**
 * A batch to insert: objects, bytes already in JSONEachRow form (one JSON object per line), or a
 * local file of such lines. The embedded engine reads a file itself (parsed on its own threads,
 * never copied through the JS heap); the server adapter streams it.
 */
export type InsertRows =
  | readonly Readonly<Record<string, unknown>>[]
  | { jsonEachRow: Buffer | string }
  | { jsonEachRowFile: string };

export interface ClickHouse {
  readonly kind: 'embedded' | 'server';
  /** Run a statement that returns no rows (DDL, SET-free commands). */
  command(sql: string, options?: QueryOptions): Promise<void>;
  /** Run a SELECT and return its rows as objects (64-bit integers come back as strings). */
  query<T = Record<string, unknown>>(sql: string, options?: QueryOptions): Promise<T[]>;
  /** Stream a SELECT's result in a text format (CSV, JSONEachRow, Parquet...) chunk by chunk. */
  stream(sql: string, format: string, options?: QueryOptions): AsyncIterable<Uint8Array>;
  insert(table: string, rows: InsertRows, options?: InsertOptions): Promise<void>;
  /** True when the engine answers; never throws. */
  ping(): Promise<boolean>;
  /** e.g. "26.7.2.1" */
  serverVersion(): Promise<string>;
  close(): Promise<void>;
}

/** Every ClickHouse failure, mapped at the adapter edge. */
export class ClickHouseError extends Error {
  override readonly name = 'ClickHouseError';
  constructor(
    message: string,
    /** ClickHouse's numeric error code (e.g. 60 UNKNOWN_TABLE), when the engine gave one. */
    readonly code: number | undefined,
    /** ClickHouse's symbolic error name (e.g. UNKNOWN_TABLE), when known. */
    readonly type: string | undefined,
    /** True when the engine could not be reached at all (connection refused, reset, timeout). */
    readonly unavailable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
