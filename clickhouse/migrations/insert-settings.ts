// What every batch insert into the product's tables must send, besides its
// insert_deduplication_token (InsertOptions.deduplicationToken), so that a retried batch is
// stored once in the raw table AND counted once in every rollup fed from it.
// clickhouse/schema/dedup.test.ts proves each part on the embedded engine.

export const DEDUPLICATED_INSERT_SETTINGS = {
  // On by default, but a server profile can turn it off; without it the token is ignored.
  insert_deduplicate: 1,
  // Since ClickHouse 24.7 a batch the raw table drops as a duplicate still flows into the
  // materialized views, and only this setting makes each view's block carry a token derived from
  // the insert's, so the rollup table (which has its own non_replicated_deduplication_window)
  // drops the repeat. It was off by default in the releases after that change (on in 26.x); with
  // it off, every rollup counts a retried batch twice.
  deduplicate_blocks_in_dependent_materialized_views: 1,
  // The flusher already sends large batches, so server-side buffering would only add latency;
  // and a synchronous insert's token covers exactly the batch sent on every server version
  // (older servers deduplicate async inserts only when async_insert_deduplicate is also set).
  async_insert: 0,
} as const satisfies Readonly<Record<string, number>>;
