// The local write-ahead spool: 202 means the events are on this disk. Writers append and fsync
// in group commits; the flusher moves sealed segments to ClickHouse with deterministic
// deduplication tokens and deletes them only after ClickHouse has them. Never drops a byte
// it acknowledged; at its disk cap it refuses new data instead.
export { deduplicationToken, type SegmentMeta, SPOOL_TABLES, type SpoolTable } from './segment-files.ts';
export { FLUSH_SETTINGS, type FlushStats, SpoolFlusher, type SpoolFlusherOptions } from './spool-flusher.ts';
export { type SpoolEntry, SpoolFullError, SpoolWriter, type SpoolWriterOptions } from './spool-writer.ts';
