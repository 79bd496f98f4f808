// Measures what the spool flusher's hot path costs: 100k-row JSONEachRow batches inserted into
// `events` with every materialized view attached, on a fresh embedded engine, as the flusher
// sends them (a segment file, its deduplication token and settings). Each run also inserts a
// batch as bytes held in memory, the flusher's earlier way, so the two are compared in one run.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEmbeddedClickHouse } from '../../clickhouse/embedded/index.ts';
import type { InsertRows } from '../../clickhouse/index.ts';
import { runMigrations } from '../../clickhouse/migrations/index.ts';
import { FLUSH_SETTINGS } from '../../ingest/spool/index.ts';
import { type Logger, silentLogger } from '../../runtime/logger/index.ts';
import { generateEventBatch } from './generate-events.ts';

/** The flusher's default row threshold is 200k; 100k is the batch size this benchmark reports. */
export const BENCH_BATCH_ROWS = 100_000;
const BENCH_DATABASE = 'bench';

export interface ClickHouseInsertBenchOptions {
  /** Measured inserts per way, each a fresh batch of distinct rows. */
  runs: number;
  /** Rows per batch (default 100k). */
  rows?: number;
  logger?: Logger;
}

export interface ClickHouseInsertRun {
  /** `file`: the engine reads the segment file (the flusher); `memory`: bytes handed over. */
  from: 'file' | 'memory';
  ms: number;
  /** Process CPU time during the insert: the engine's threads, all in this process. */
  cpuMs: number;
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
  /** Medians of the file runs: what the flusher does. */
  medianRowsPerSecond: number;
  medianCpuUsPerRow: number;
  /** Medians of the in-memory runs, for comparison. */
  memory: { medianRowsPerSecond: number; medianCpuUsPerRow: number };
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
    let batches = 0;
    for (let run = 0; run < options.runs; run += 1) {
      for (const from of ['file', 'memory'] as const) {
        // Generated and written outside the timed window: the benchmark measures ClickHouse.
        const batch = generateEventBatch(rows, batches + 1);
        let input: InsertRows = { jsonEachRow: batch.bytes };
        if (from === 'file') {
          const file = path.join(dataDir, `batch-${batches}.jsonl`);
          await writeFile(file, batch.bytes);
          input = { jsonEachRowFile: file };
        }
        bytes += batch.bytes.length;
        const started = performance.now();
        const cpu = process.cpuUsage();
        await ch.insert('events', input, {
          deduplicationToken: `bench:${batches}`,
          settings: FLUSH_SETTINGS,
        });
        const ms = performance.now() - started;
        const used = process.cpuUsage(cpu);
        runs.push({
          from,
          ms: Math.round(ms),
          cpuMs: Math.round((used.user + used.system) / 1000),
          rowsPerSecond: Math.round((rows * 1000) / ms),
        });
        logger.info({ run, from, ms: Math.round(ms) }, 'insert measured');
        batches += 1;
      }
    }
    // A deduplicated or failed insert would make the numbers meaningless: check every row landed.
    const [stored] = await ch.query<{ rows: string }>('SELECT count() AS rows FROM events');
    if (Number(stored?.rows) !== rows * batches) {
      throw new Error(`expected ${rows * batches} stored rows, found ${stored?.rows}`);
    }
    const summary = (from: ClickHouseInsertRun['from']) => {
      const mine = runs.filter((run) => run.from === from);
      return {
        medianRowsPerSecond: median(mine.map((run) => run.rowsPerSecond)),
        medianCpuUsPerRow: Math.round((median(mine.map((run) => run.cpuMs)) * 1000 * 10) / rows) / 10,
      };
    };
    return {
      engine: `chdb ${await ch.serverVersion()}`,
      rowsPerBatch: rows,
      insertSettings: FLUSH_SETTINGS,
      bytesPerRow: Math.round(bytes / (rows * batches)),
      views: views.map((view) => view.name),
      runs,
      ...summary('file'),
      memory: summary('memory'),
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
