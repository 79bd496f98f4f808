// Entry point: `node --import tsx runtime/launcher/main.ts [service]`, service one of
// all (default), control-plane, query-api, ingest, migrate.
//
// libuv's thread pool (4 threads by default) carries the spool's writes and fsyncs, gzip, and
// the embedded engine's async queries, whose inserts hold a thread for a second or more. With
// four threads a couple of inserts stall every fsync behind them, so the pool gets 16. libuv
// reads this once, when the pool first starts: it is set before anything else is imported.
process.env.UV_THREADPOOL_SIZE ??= '16';
await import('./run.ts');
