// Entry point: `node --import tsx runtime/launcher/main.ts [service]`, service one of
// all (default), control-plane, query-api, ingest, migrate.
//
// libuv's thread pool carries the spool's writes and fsyncs, gzip and the embedded engine's
// async queries. It keeps libuv's default size (4) unless UV_THREADPOOL_SIZE is set in the
// environment: the pool starts while Node loads this module, so setting it here would be too late.
import './run.ts';
