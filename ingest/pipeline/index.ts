// The ingest pipeline: request bytes -> parsed JSON -> validated items -> enriched rows as
// JSONEachRow text, with every rejection a value (code + message) and a quarantine row. Steps
// are pure functions: this folder must never do I/O or read the environment, takes the time and
// event ids from the caller's context, and never throws for anything a client can send.
import { createUuidV7Generator } from './uuid.ts';

export {
  MAX_EVENT_BYTES,
  MAX_QUARANTINE_PAYLOAD_CHARS,
  segmentToEventRow,
  toEventRow,
  toQuarantineRow,
} from './enrich.ts';
export { checkMetricSample, indexMetricConfigs, toMetricRow } from './metrics.ts';
export { type ParseOptions, parseJsonBody } from './parse.ts';
export {
  METRICS_SOURCE,
  processBatchBody,
  processMetricSamples,
  processSegmentBatch,
  processTrackBatch,
} from './process.ts';
export { ok, REJECT_CODES, type RejectCode, type Rejection, type Result, reject } from './result.ts';
export {
  MetricSample,
  SEGMENT_TYPES,
  type SegmentMessage,
  type SegmentType,
  TrackEvent,
} from './schemas.ts';
export { jsonLine, serializeRows } from './serialize.ts';
export { formatDateTime64, MAX_EVENT_AGE_MS, MAX_EVENT_LEAD_MS, parseIsoTimestamp } from './time.ts';
export type {
  BatchEnvelope,
  EventRow,
  ItemRejection,
  MetricConfigLike,
  MetricRow,
  MetricType,
  PipelineContext,
  ProcessResult,
  QuarantineRow,
} from './types.ts';
export { describeUserAgent, USER_AGENT_CACHE_ENTRIES } from './user-agent.ts';
export { createUuidV7Generator, eventIdFor, isUuid, stableUuid } from './uuid.ts';
export {
  type BatchItems,
  MAX_BATCH_ITEMS,
  readMetricSamples,
  readSegmentBatch,
  readSegmentMessage,
  readTrackBatch,
  validateMetricSample,
  validateSegmentMessage,
  validateTrackEvent,
} from './validate.ts';

/**
 * The process-wide UUIDv7 source for PipelineContext.newEventId: one generator, so ids stay
 * monotonic across every request an edge handles. (Tests inject their own.)
 */
export const newEventId: () => string = createUuidV7Generator();
