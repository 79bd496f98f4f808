// The ingest edge: accepts events and metric samples over HTTP, answers 202 only once they are
// in the local write-ahead spool, and streams them into ClickHouse in large idempotent batches.
// It never acknowledges what it has not stored, and never logs a line per event.
export { type Edge, type EdgeDeps, startEdge } from './edge/server.ts';
