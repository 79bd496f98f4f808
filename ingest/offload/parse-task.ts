// What a parse worker does with one batch body: the same pure steps the edge runs inline
// (parse -> read the batch -> validate, enrich, serialise per item), returned as plain data the
// main thread can spool and answer from. No I/O, no clock, no environment: everything the
// steps need from the request and its key arrives in the task.
import {
  jsonLine,
  newEventId,
  type ProcessResult,
  parseJsonBody,
  processBatchBody,
  toQuarantineRow,
} from '../pipeline/index.ts';

export interface ParseTask {
  /** 'track' for /api/events/track/batch, 'segment' for Segment /v1/batch and /v1/import. */
  kind: 'track' | 'segment';
  /** The decoded (inflated) body; transferred to the worker, so the sender must not reuse it. */
  body: Uint8Array;
  /** The route, recorded as the quarantine source. */
  source: string;
  appId: string;
  retentionDays: number;
  receivedAt: number;
  userAgent: string;
  maxDepth: number;
  maxBatchEvents: number;
}

export type ParseOutcome =
  /** The body is not acceptable JSON: the request gets a 400 and the body one quarantine line. */
  | { kind: 'unparsable'; code: string; message: string; quarantine: string }
  /** JSON, but not a batch (or too many items): the request is refused, nothing is stored. */
  | { kind: 'unreadable'; code: string; message: string }
  | { kind: 'processed'; result: ProcessResult };

export function runParseTask(task: ParseTask): ParseOutcome {
  const ctx = {
    appId: task.appId,
    retentionDays: task.retentionDays,
    receivedAt: task.receivedAt,
    userAgent: task.userAgent,
    // In a worker this is the worker's own UUIDv7 generator (module state is per thread): ids
    // stay time-ordered and unique, only not strictly monotonic across threads within one ms.
    newEventId,
  };
  const parsed = parseJsonBody(task.body, { maxDepth: task.maxDepth });
  if (!parsed.ok) {
    const row = toQuarantineRow(task.body, parsed, ctx, task.source);
    return { kind: 'unparsable', code: parsed.code, message: parsed.message, quarantine: jsonLine(row) };
  }
  const processed = processBatchBody(task.kind, parsed.value, ctx, task.source, task.maxBatchEvents);
  return processed.ok
    ? { kind: 'processed', result: processed.value }
    : { kind: 'unreadable', code: processed.code, message: processed.message };
}
