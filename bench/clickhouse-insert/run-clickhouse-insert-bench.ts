// Measures what the spool flusher's hot path costs: one 100k-row JSONEachRow batch inserted into
// `events` with every materialized view attached, on a fresh embedded engine, as the flusher
// sends it (deduplication token and DEDUPLICATED_INSERT_SETTINGS).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEmbeddedClickHouse } from '../../clickhouse/embedded/index.ts';
import { DEDUPLICATED_INSERT_SETTINGS, runMigrations } from '../../clickhouse/migrations/index.ts';
import { type Logger, silentLogger } from '../../runtime/logger/index.ts';
import { generateEventBatch } from './generate-events.ts';

/** The flusher's default row threshold is 200k; 100k is the batch size this benchmark reports. */
export const BENCH_BATCH_ROWS = 100_000;
const BENCH_DATABASE = 'bench';

export interface ClickHouseInsertBenchOptions {
  /** Measured inserts, each a fresh batch of distinct rows. */
  runs: number;
  /** Rows per batch (default 100k). */
  rows?: number;
  logger?: Logger;
}

export interface ClickHouseInsertRun {
  ms: number;
  rowsPerSecond: number;
}

export interface ClickHouseInsertBenchResult {
  engine: string;
  rowsPerBatch: number;
  insertSettings: Readonly<Record<string, number>>;
  bytesPerRow: number;
  /** Tables written by the views on every insert. */
  views: string[];
  runs: ClickHouseInsertRun[];
  medianRowsPerSecond: number;
}

export async function runClickHouseInsertBench(
  options: ClickHouseInsertBenchOptions,
): Promise<ClickHouseInsertBenchResult> {
  const rows = options.rows ?? BENCH_BATCH_ROWS;
  const logger = options.logger ?? silentLogger();
  if (!Number.isInteger(options.runs) || options.runs < 1)
    throw new RangeError('runs must be a positive integer');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'clickstream-bench-insert-'));
  const ch = await createEmbeddedClickHouse({ dataDir, database: BENCH_DATABASE, logger });
  try {
    await runMigrations(ch, { logger, log: () => {} });
    const views = await ch.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView' ORDER BY name",
    );
    const runs: ClickHouseInsertRun[] = [];
    let bytes = 0;
    for (let run = 0; run < options.runs; run += 1) {
      // Generated outside the timed window: the benchmark measures ClickHouse, not the generator.
      const batch = generateEventBatch(rows, run + 1);
      bytes += batch.bytes.length;
      const started = performance.now();
      await ch.insert(
        'events',
        { jsonEachRow: batch.bytes },
        { deduplicationToken: `bench:${run}`, settings: DEDUPLICATED_INSERT_SETTINGS },
      );
      const ms = performance.now() - started;
      runs.push({ ms: Math.round(ms), rowsPerSecond: Math.round((rows * 1000) / ms) });
      logger.info({ run, ms: Math.round(ms) }, 'insert measured');
    }
    // A deduplicated or failed insert would make the numbers meaningless: check every row landed.
    const [stored] = await ch.query<{ rows: string }>('SELECT count() AS rows FROM events');
    if (Number(stored?.rows) !== rows * options.runs) {
      throw new Error(`expected ${rows * options.runs} stored rows, found ${stored?.rows}`);
    }
    return {
      engine: `chdb ${await ch.serverVersion()}`,
      rowsPerBatch: rows,
      insertSettings: DEDUPLICATED_INSERT_SETTINGS,
      bytesPerRow: Math.round(bytes / (rows * options.runs)),
      views: views.map((view) => view.name),
      runs,
      medianRowsPerSecond: median(runs.map((run) => run.rowsPerSecond)),
    };
  } finally {
    await ch.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : Math.round(((sorted[middle - 1] ?? 0) + upper) / 2);
}
