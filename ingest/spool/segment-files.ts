// Naming and metadata of spool segment files. A segment is one table's JSONEachRow lines:
//   <dir>/<table>.<seq>.open      being appended to by the running writer
//   <dir>/<table>.<seq>.sealed    closed; waiting for the flusher
//   <dir>/<table>.<seq>.meta      written just before sealing: rows, app ids, first append time
// The (writer id, table, seq) triple is the segment's position, from which its ClickHouse
// deduplication token is derived: the same segment always carries the same token.
import { createHash, randomUUID } from 'node:crypto';
import { open, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export type SpoolTable = 'events' | 'events_quarantine' | 'metric_samples';
export const SPOOL_TABLES: readonly SpoolTable[] = ['events', 'events_quarantine', 'metric_samples'];

export interface SegmentMeta {
  rows: number;
  bytes: number;
  appIds: string[];
  /** Epoch ms of the first append: the age of the oldest unflushed event. */
  firstAppendAt: number;
  /** Random, drawn when the segment was sealed: part of its deduplication token. */
  sealNonce?: string;
}

export interface SegmentRef {
  table: SpoolTable;
  seq: number;
  state: 'open' | 'sealed';
}

const SEQ_DIGITS = 12; // zero-padded so lexical order is numeric order
const NAME = /^(events|events_quarantine|metric_samples)\.(\d{12})\.(open|sealed)$/;

export function segmentName(table: SpoolTable, seq: number, state: 'open' | 'sealed' | 'meta'): string {
  return `${table}.${String(seq).padStart(SEQ_DIGITS, '0')}.${state}`;
}

export function parseSegmentName(name: string): SegmentRef | undefined {
  const match = NAME.exec(name);
  if (!match) return undefined;
  return { table: match[1] as SpoolTable, seq: Number(match[2]), state: match[3] as 'open' | 'sealed' };
}

/** Every segment in a writer's directory, oldest first. */
export async function listSegments(dir: string): Promise<SegmentRef[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  return names
    .map(parseSegmentName)
    .filter((ref): ref is SegmentRef => ref !== undefined)
    .sort((a, b) => a.seq - b.seq || a.table.localeCompare(b.table));
}

/**
 * Deterministic per segment: a retried or replayed insert is deduplicated. The seal nonce (drawn
 * once when the segment is sealed, kept in its .meta) is part of it too: should a segment number
 * ever repeat (a lost counter, a spool directory restored from a backup), new data still gets a
 * new token and is never dropped as a duplicate of what once had that number. A sealed segment
 * whose .meta is gone falls back to a digest of its bytes, which never change after sealing.
 */
export function deduplicationToken(writerId: string, table: SpoolTable, seq: number, nonce: string): string {
  return `spool:${writerId}:${table}:${seq}:${nonce}`;
}

/** The nonce of a sealed segment without one in its .meta: a digest of its unchanging bytes. */
export function contentNonce(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64url').slice(0, 22);
}

// Rows are serialized with app_id as their first field; recovery reads it back from there.
const APP_ID_AT_LINE_START = /^\{"app_id":"([0-9a-f-]{36})"/gm;

/** Rebuild a segment's metadata from its bytes (only after a crash, when no .meta exists). */
export function scanSegment(bytes: Buffer, fallbackTime: number): SegmentMeta {
  const text = bytes.toString('utf8');
  const appIds = new Set<string>();
  let rows = 0;
  for (const match of text.matchAll(APP_ID_AT_LINE_START)) appIds.add(match[1] as string);
  for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) rows++;
  return { rows, bytes: bytes.length, appIds: [...appIds], firstAppendAt: fallbackTime };
}

const WRITER_ID_FILE = 'writer-id';

/**
 * The spool directory's identity, created once with the directory. Tokens must never repeat for
 * different data: a counter alone would (a wiped or second spool starts at 1 again), so every
 * token carries this random id.
 */
export async function spoolDirectoryId(dir: string, create: boolean): Promise<string> {
  const file = path.join(dir, WRITER_ID_FILE);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !create) throw error;
  }
  const id = randomUUID();
  await writeFile(file, id, { flag: 'wx', flush: true }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return (await readFile(file, 'utf8')).trim();
}

const NEXT_SEQ_FILE = 'next-seq';

/**
 * The next segment number, kept on disk. Numbers must never repeat for a directory: a drained
 * spool has no segment left to count from, and a number used again would repeat an earlier
 * segment's deduplication token, so ClickHouse would drop the new data as a duplicate.
 */
export async function readNextSeq(dir: string): Promise<number> {
  try {
    const value = Number((await readFile(path.join(dir, NEXT_SEQ_FILE), 'utf8')).trim());
    return Number.isSafeInteger(value) && value > 0 ? value : 1;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 1;
    throw error;
  }
}

/**
 * Record that numbers below `next` are taken; durable before any segment with them exists. The
 * file is replaced, never rewritten in place: a crash between truncating and writing it would
 * leave it empty, and counting would start again from 1.
 */
export async function writeNextSeq(dir: string, next: number): Promise<void> {
  const file = path.join(dir, NEXT_SEQ_FILE);
  await writeFile(`${file}.tmp`, String(next), { flush: true });
  await rename(`${file}.tmp`, file);
  await syncDirectory(dir);
}

/** A rename or a new file is durable only once the directory entry itself is flushed. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
