// ClickHouse insert benchmark: how many events per second one embedded engine stores through
// the ClickHouse interface with every rollup view attached, i.e. the ceiling the spool flusher
// works under. It owns a throwaway engine in a temp dir and must never touch a real data dir.

export { type GeneratedBatch, generateEventBatch } from './generate-events.ts';
export {
  BENCH_BATCH_ROWS,
  type ClickHouseInsertBenchOptions,
  type ClickHouseInsertBenchResult,
  type ClickHouseInsertRun,
  runClickHouseInsertBench,
} from './run-clickhouse-insert-bench.ts';
