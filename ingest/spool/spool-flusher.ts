// Drains sealed spool segments into ClickHouse, oldest first. Each segment is one insert whose
// deduplication token is derived from its spool position and seal nonce, so an insert retried after a failure,
// or replayed after a crash between insert and delete, is stored once. A segment is deleted only
// after ClickHouse acknowledged it; failures back off and retry while the spool holds the data.
import { readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { ClickHouse } from '../../clickhouse/index.ts';
import { DEDUPLICATED_INSERT_SETTINGS } from '../../clickhouse/migrations/index.ts';
import type { Logger } from '../../runtime/logger/index.ts';
import {
  contentNonce,
  deduplicationToken,
  listSegments,
  type SegmentMeta,
  type SpoolTable,
  scanSegment,
  segmentName,
  spoolDirectoryId,
} from './segment-files.ts';

// First retry soon (a blip), then back off to at most half a minute between attempts.
const RETRY_INITIAL_MS = 100;
const RETRY_MAX_MS = 30_000;
// Every view an events insert feeds runs at once rather than one after another: measured on
// 100k-row segments, the same CPU and about a sixth less time holding the engine.
export const FLUSH_SETTINGS = { ...DEDUPLICATED_INSERT_SETTINGS, parallel_view_processing: 1 };
// The embedded engine runs its threads at the lowest CPU priority, below the edge it shares the
// process with (see embedded-clickhouse.ts). That keeps answers fast while the spool has room,
// but under sustained full load the edge then accepts more than the engine drains, and the
// spool fills to its cap. A segment whose first event waited longer than this means the
// flusher is behind: its insert goes as `overdue` (normal priority) until it has caught up.
// Segments are sealed about once a second; 5 s of 100k events/s of ~880 B rows is ~0.44 GB.
export const OVERDUE_AFTER_MS = 5_000;
// Errors are logged at most this often while ClickHouse stays down, not once per attempt.
const ERROR_LOG_INTERVAL_MS = 10_000;

export interface FlushStats {
  table: SpoolTable;
  rows: number;
  bytes: number;
  ms: number;
  appIds: string[];
}

export interface SpoolFlusherOptions {
  clickhouse: ClickHouse;
  /** Writer directories to drain (in one process: each writer's own). */
  dirs: readonly string[];
  /** Called after each segment is stored and deleted: space to release, apps to invalidate. */
  onFlushed: (dir: string, stats: FlushStats) => void | Promise<void>;
  onError: (error: unknown) => void;
  logger: Logger;
  now: () => number;
}

export class SpoolFlusher {
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private retryMs = RETRY_INITIAL_MS;
  private lastErrorLog = 0;
  private readonly oldest = new Map<string, number>();
  private readonly writerIds = new Map<string, string>();
  private passes: Promise<void> = Promise.resolve();

  constructor(private readonly options: SpoolFlusherOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Look for sealed segments now instead of at the next interval. */
  notify(): void {
    this.wake?.();
  }

  /** Epoch ms of the oldest event not yet in ClickHouse (undefined when none is pending). */
  oldestPendingAt(): number | undefined {
    let oldest: number | undefined;
    for (const at of this.oldest.values()) oldest = oldest === undefined ? at : Math.min(oldest, at);
    return oldest;
  }

  /** Flush every sealed segment now; resolves when none is left or `deadline` passes. */
  async drain(deadline: number): Promise<boolean> {
    while (this.options.now() < deadline) {
      const pending = await this.flushAvailable(deadline);
      if (pending === 0) return true;
      await sleep(Math.min(this.retryMs, Math.max(0, deadline - this.options.now())));
    }
    return false;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async writerId(dir: string): Promise<string> {
    let id = this.writerIds.get(dir);
    if (!id) {
      id = await spoolDirectoryId(dir, false);
      this.writerIds.set(dir, id);
    }
    return id;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const failed = await this.flushAvailable();
      if (!this.running) break;
      // After a failure wait the backoff; otherwise wait to be notified (or a second).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, failed > 0 ? this.retryMs : 1000);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Passes never overlap: the background loop and a drain would otherwise insert the same segment twice. */
  private flushAvailable(deadline = Number.POSITIVE_INFINITY): Promise<number> {
    const run = this.passes.then(() => this.flushPass(deadline));
    this.passes = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * One pass over all sealed segments, oldest first, starting no insert after `deadline` (a
   * shutdown must not wait for a backlog: it stays on disk and replays). Returns how many remain.
   */
  private async flushPass(deadline: number): Promise<number> {
    let remaining = 0;
    for (const dir of this.options.dirs) {
      const segments = (await listSegments(dir)).filter((segment) => segment.state === 'sealed');
      for (const [index, segment] of segments.entries()) {
        const ok =
          this.options.now() < deadline && (this.running || deadline !== Number.POSITIVE_INFINITY)
            ? await this.flushSegment(dir, segment.table, segment.seq)
            : false;
        if (!ok) {
          remaining += segments.length - index;
          break;
        }
      }
    }
    return remaining;
  }

  private async flushSegment(dir: string, table: SpoolTable, seq: number): Promise<boolean> {
    const file = path.join(dir, segmentName(table, seq, 'sealed'));
    const metaFile = path.join(dir, segmentName(table, seq, 'meta'));
    const started = performance.now();
    let bytes: number;
    let meta: SegmentMeta;
    try {
      bytes = (await stat(file)).size;
      // The insert hands ClickHouse the file; its bytes are read here only when its .meta is gone
      // (a crash between sealing steps) or was written before seal nonces.
      let contents: Buffer | undefined;
      meta = await readFile(metaFile, 'utf8').then(
        (text) => JSON.parse(text) as SegmentMeta,
        async () => {
          contents = await readFile(file);
          return scanSegment(contents, this.options.now());
        },
      );
      const nonce = meta.sealNonce ?? contentNonce(contents ?? (await readFile(file)));
      const token = deduplicationToken(await this.writerId(dir), table, seq, nonce);
      this.oldest.set(`${dir}/${table}/${seq}`, meta.firstAppendAt);
      await this.options.clickhouse.insert(
        table,
        { jsonEachRowFile: file },
        {
          deduplicationToken: token,
          settings: FLUSH_SETTINGS,
          overdue: this.options.now() - meta.firstAppendAt > OVERDUE_AFTER_MS,
        },
      );
    } catch (error) {
      this.options.onError(error);
      const now = this.options.now();
      if (now - this.lastErrorLog >= ERROR_LOG_INTERVAL_MS) {
        this.lastErrorLog = now;
        this.options.logger.error(
          { err: error, table, seq, retryInMs: this.retryMs },
          'spool flush failed; data stays in the spool and will be retried',
        );
      }
      this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
      return false;
    }
    if (this.retryMs !== RETRY_INITIAL_MS) this.options.logger.info({ table, seq }, 'spool flush recovered');
    this.retryMs = RETRY_INITIAL_MS;
    // Delete only after ClickHouse has the rows: a crash before this line replays the insert,
    // and the deduplication token makes the replay a no-op.
    await unlink(file).catch(ignoreMissing);
    await unlink(metaFile).catch(ignoreMissing);
    this.oldest.delete(`${dir}/${table}/${seq}`);
    await this.options.onFlushed(dir, {
      table,
      rows: meta.rows,
      bytes,
      ms: performance.now() - started,
      appIds: meta.appIds,
    });
    return true;
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
