// The write-ahead spool's writer. `append` resolves only once the bytes are on disk: appends
// arriving within one group-commit window share one write per table and one fdatasync, so
// durability costs a few milliseconds of latency rather than a disk flush per request.
// Segments are sealed by age (about one ClickHouse insert per second), rows or size.

import { randomUUID } from 'node:crypto';
import {
  type FileHandle,
  mkdir,
  open,
  readFile,
  rename,
  stat,
  truncate,
  unlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import {
  listSegments,
  readNextSeq,
  type SegmentMeta,
  type SpoolTable,
  scanSegment,
  segmentName,
  spoolDirectoryId,
  syncDirectory,
  writeNextSeq,
} from './segment-files.ts';

export class SpoolFullError extends Error {
  override readonly name = 'SpoolFullError';
}

export interface SpoolEntry {
  table: SpoolTable;
  /** JSONEachRow text: whole lines, each ending in '\n'. */
  lines: string;
  rows: number;
  appIds: Iterable<string>;
}

export interface SpoolWriterOptions {
  /** This writer's own directory: one writer per directory, ever. */
  dir: string;
  maxBytes: number;
  fsyncIntervalMs: number;
  sealIntervalMs: number;
  sealRows: number;
  now: () => number;
  /** Told how long each group commit took (write + fsync) and how many appends it carried. */
  onCommit?: (ms: number, appends: number) => void;
  /** Told about every sealed segment, so a flusher can start on it at once. */
  onSealed?: (table: SpoolTable, seq: number) => void;
}

// Segment numbers are recorded as taken this many at a time: recording them costs two fsyncs,
// which would otherwise delay the commit that opens each new segment (about one a second per
// table). A restart skips what was reserved and unused; numbers need only never repeat.
const SEQ_RESERVATION = 1024;

// A segment past this size is sealed early: one ClickHouse insert stays a few seconds at most.
const SEAL_BYTES = 64 * 1024 * 1024;

interface OpenSegment {
  seq: number;
  file: FileHandle;
  meta: SegmentMeta;
  appIds: Set<string>;
}

interface CommitPart {
  chunks: Buffer[];
  rows: number;
  appIds: Set<string>;
  bytes: number;
}

interface PendingCommit {
  parts: Map<SpoolTable, CommitPart>;
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

const emptyCommit = (): PendingCommit => ({ parts: new Map(), waiters: [] });

export class SpoolWriter {
  private readonly open = new Map<SpoolTable, OpenSegment>();
  private nextSeq = 1;
  /** Numbers below this are recorded as taken on disk; nextSeq may use them without a write. */
  private reservedSeq = 1;
  private used = 0;
  private pending = emptyCommit();
  private commitTimer: NodeJS.Timeout | undefined;
  private committing = false;
  private sealTimer: NodeJS.Timeout | undefined;
  /** Every file operation runs in this chain, one at a time: commits and seals never interleave. */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private writerId = '';

  private constructor(private readonly options: SpoolWriterOptions) {}

  /** Open (creating) the directory and recover what a previous process left behind. */
  static async open(options: SpoolWriterOptions): Promise<SpoolWriter> {
    const writer = new SpoolWriter(options);
    await mkdir(options.dir, { recursive: true });
    writer.writerId = await spoolDirectoryId(options.dir, true);
    await writer.recover();
    writer.sealTimer = setInterval(() => {
      writer.sealAll().catch(() => {});
    }, options.sealIntervalMs);
    writer.sealTimer.unref();
    return writer;
  }

  get dir(): string {
    return this.options.dir;
  }

  /** Random and permanent per directory: part of every deduplication token. */
  get id(): string {
    return this.writerId;
  }

  /** Bytes on disk not yet flushed to ClickHouse, plus bytes accepted but not yet written. */
  usedBytes(): number {
    return this.used;
  }

  /** Epoch ms of the first append still in an open segment (undefined when none). */
  oldestOpenAt(): number | undefined {
    let oldest: number | undefined;
    for (const segment of this.open.values()) {
      if (segment.meta.rows > 0)
        oldest = Math.min(oldest ?? segment.meta.firstAppendAt, segment.meta.firstAppendAt);
    }
    return oldest;
  }

  /** The flusher returns space after a segment has reached ClickHouse and been deleted. */
  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  /** Durably append; resolves after fsync. Throws SpoolFullError, without writing, at the cap. */
  append(entries: readonly SpoolEntry[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('spool is closed'));
    // Each entry is encoded here, once: its size feeds the cap check and the segment meta, the
    // commit writes the buffers as they are, and the caller's string can be collected young.
    // Joining a commit's text into one string instead put megabytes a second into V8's
    // large-object space, which only a full collection frees.
    const data = entries.map((entry) => Buffer.from(entry.lines));
    let bytes = 0;
    for (const chunk of data) bytes += chunk.length;
    if (bytes === 0) return Promise.resolve();
    if (this.used + bytes > this.options.maxBytes) {
      return Promise.reject(new SpoolFullError('spool is at its disk cap'));
    }
    this.used += bytes;
    const commit = this.pending;
    for (const [index, entry] of entries.entries()) {
      const chunk = data[index] as Buffer;
      if (chunk.length === 0) continue;
      let part = commit.parts.get(entry.table);
      if (!part) {
        part = { chunks: [], rows: 0, appIds: new Set(), bytes: 0 };
        commit.parts.set(entry.table, part);
      }
      part.chunks.push(chunk);
      part.rows += entry.rows;
      part.bytes += chunk.length;
      for (const appId of entry.appIds) part.appIds.add(appId);
    }
    return new Promise((resolve, reject) => {
      commit.waiters.push({ resolve, reject });
      this.scheduleCommit();
    });
  }

  /** Seal every open segment that holds data (timer, shutdown, or a drain). */
  sealAll(): Promise<void> {
    return this.enqueue(async () => {
      for (const table of [...this.open.keys()]) await this.seal(table);
    });
  }

  /** Write what is pending, seal everything, close files. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.sealTimer);
    if (this.commitTimer) {
      clearTimeout(this.commitTimer);
      this.commitTimer = undefined;
      this.runCommits();
    }
    this.closed = true;
    await this.sealAll();
  }

  /**
   * Group commit: while one commit is writing and fsyncing, appends accumulate; the moment it
   * finishes the next commit takes all of them. An idle writer waits fsyncIntervalMs first so a
   * burst arriving together shares its first fsync too.
   */
  private scheduleCommit(): void {
    if (this.committing || this.commitTimer) return;
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      this.runCommits();
    }, this.options.fsyncIntervalMs);
  }

  private runCommits(): void {
    if (this.committing) return;
    this.committing = true;
    this.enqueue(async () => {
      while (this.pending.waiters.length > 0) {
        const commit = this.pending;
        this.pending = emptyCommit();
        await this.commit(commit);
      }
    })
      .catch(() => {})
      .finally(() => {
        this.committing = false;
        if (this.pending.waiters.length > 0) this.scheduleCommit();
      });
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.chain.then(task);
    this.chain = run.catch(() => {});
    return run;
  }

  private async commit(commit: PendingCommit): Promise<void> {
    if (commit.waiters.length === 0) return;
    const started = performance.now();
    // Each table's lines go to its own segment; the metas count them once all are on disk.
    const written: [OpenSegment, CommitPart][] = [];
    try {
      for (const [table, part] of commit.parts) {
        const segment = await this.segmentFor(table);
        written.push([segment, part]);
        await writeAll(segment.file, part.chunks, part.bytes);
      }
      await Promise.all(written.map(([segment]) => segment.file.datasync()));
    } catch (error) {
      // Nothing was acknowledged, so nothing of it may stay: every segment this commit wrote to
      // is cut back to its size before it (best effort), and the space is given back. Otherwise
      // the next commit would land after half a line, and a client's retry would store again
      // the lines a half-done commit left behind (say events written, quarantine refused).
      await Promise.all(
        written.map(([segment]) => segment.file.truncate(segment.meta.bytes).catch(() => {})),
      );
      let bytes = 0;
      for (const part of commit.parts.values()) bytes += part.bytes;
      this.release(bytes);
      for (const waiter of commit.waiters) waiter.reject(error);
      return;
    }
    for (const [segment, part] of written) {
      segment.meta.rows += part.rows;
      segment.meta.bytes += part.bytes;
      for (const appId of part.appIds) segment.appIds.add(appId);
    }
    this.options.onCommit?.(performance.now() - started, commit.waiters.length);
    for (const waiter of commit.waiters) waiter.resolve();
    for (const [table, segment] of this.open) {
      if (segment.meta.rows >= this.options.sealRows || segment.meta.bytes >= SEAL_BYTES)
        await this.seal(table);
    }
  }

  private async segmentFor(table: SpoolTable): Promise<OpenSegment> {
    const existing = this.open.get(table);
    if (existing) return existing;
    const seq = this.nextSeq++;
    if (seq >= this.reservedSeq) {
      // Counted as reserved only once it is on disk: after a failed write, the next try writes.
      const reserved = seq + SEQ_RESERVATION;
      await writeNextSeq(this.options.dir, reserved);
      this.reservedSeq = reserved;
    }
    const file = await open(path.join(this.options.dir, segmentName(table, seq, 'open')), 'a');
    const segment: OpenSegment = {
      seq,
      file,
      appIds: new Set(),
      meta: { rows: 0, bytes: 0, appIds: [], firstAppendAt: this.options.now() },
    };
    this.open.set(table, segment);
    return segment;
  }

  private async seal(table: SpoolTable): Promise<void> {
    const segment = this.open.get(table);
    if (!segment) return;
    this.open.delete(table);
    await segment.file.close();
    await this.finishSegment(table, segment.seq, { ...segment.meta, appIds: [...segment.appIds] });
  }

  /** Write the meta file, then rename to .sealed: a sealed segment always has its meta. */
  private async finishSegment(table: SpoolTable, seq: number, meta: SegmentMeta): Promise<void> {
    const dir = this.options.dir;
    const openPath = path.join(dir, segmentName(table, seq, 'open'));
    if (meta.rows === 0) {
      await unlink(openPath).catch(() => {});
      return;
    }
    const sealed: SegmentMeta = { ...meta, sealNonce: randomUUID() };
    await writeFile(path.join(dir, segmentName(table, seq, 'meta')), JSON.stringify(sealed), { flush: true });
    await rename(openPath, path.join(dir, segmentName(table, seq, 'sealed')));
    await syncDirectory(dir);
    this.options.onSealed?.(table, seq);
  }

  /** Seal what a crashed process left open (dropping any torn last line) and count usage. */
  private async recover(): Promise<void> {
    this.nextSeq = await readNextSeq(this.options.dir);
    this.reservedSeq = this.nextSeq;
    const segments = await listSegments(this.options.dir);
    for (const segment of segments) {
      this.nextSeq = Math.max(this.nextSeq, segment.seq + 1);
      const file = path.join(this.options.dir, segmentName(segment.table, segment.seq, segment.state));
      if (segment.state === 'open') {
        const bytes = await readFile(file);
        // A write torn by the crash was never acknowledged: cut back to the last whole line.
        const end = bytes.lastIndexOf(10) + 1;
        if (end < bytes.length) await truncate(file, end);
        const meta = scanSegment(bytes.subarray(0, end), (await stat(file)).mtimeMs);
        await this.finishSegment(segment.table, segment.seq, meta);
        this.used += end;
      } else {
        this.used += (await stat(file)).size;
      }
    }
  }
}

/**
 * Write a commit's buffers for one segment. libuv reports a write that stopped part way (a full
 * disk, a file-size limit) as a short count, not as the error that stopped it.
 */
async function writeAll(file: FileHandle, chunks: Buffer[], bytes: number): Promise<void> {
  const { bytesWritten } = await file.writev(chunks);
  if (bytesWritten !== bytes)
    throw new Error(`short write to the spool (disk full?): ${bytesWritten} of ${bytes} bytes written`);
}
