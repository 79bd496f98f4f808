// Validation steps: request envelopes (batch shape and size) and single items (compiled ajv
// schemas, compiled once at module load). Each returns a Result whose message names the field
// and the rule, never the offending value, so a reply or a quarantine message stays small.
import { _, Ajv, type ErrorObject, type KeywordCxt, str, type ValidateFunction } from 'ajv';
import { ok, type RejectCode, type Rejection, type Result, reject } from './result.ts';
import {
  MetricSample,
  SEGMENT_TYPES,
  SegmentContext,
  type SegmentMessage,
  SegmentMessages,
  type SegmentType,
  TrackEvent,
} from './schemas.ts';
import { parseIsoTimestamp, readTimestamp } from './time.ts';
import type { BatchEnvelope } from './types.ts';

/**
 * Items per request unless the caller passes its own limit (INGEST_MAX_BATCH_EVENTS). SDKs flush
 * 20-100 events at a time; 1,000 leaves room for bulk senders while bounding the per-item work
 * and quarantine rows one request can cause.
 */
export const MAX_BATCH_ITEMS = 1000;

export interface BatchItems {
  items: unknown[];
  envelope: BatchEnvelope;
}

// One instance for every schema. allErrors off: the first error is all a rejection reports, and
// stopping there is faster. Union types are how nullable fields are spelled.
const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
ajv.addFormat('timestamp', {
  type: 'string',
  validate: (text: string) => !Number.isNaN(parseIsoTimestamp(text)),
});
// minLength/maxLength redefined to count UTF-16 code units (String#length), like every other
// limit in the pipeline. ajv's own count walks each string to count code points, a measurable
// share of per-event time; the two differ only for characters outside the BMP (emoji count 2).
ajv.removeKeyword('minLength');
ajv.removeKeyword('maxLength');
ajv.addKeyword({
  keyword: 'minLength',
  type: 'string',
  schemaType: 'number',
  error: {
    message: ({ schemaCode }) => str`must NOT have fewer than ${schemaCode} characters`,
    params: ({ schemaCode }) => _`{limit: ${schemaCode}}`,
  },
  code: (cxt: KeywordCxt) => cxt.fail(_`${cxt.data}.length < ${cxt.schemaCode}`),
});
ajv.addKeyword({
  keyword: 'maxLength',
  type: 'string',
  schemaType: 'number',
  error: {
    message: ({ schemaCode }) => str`must NOT have more than ${schemaCode} characters`,
    params: ({ schemaCode }) => _`{limit: ${schemaCode}}`,
  },
  code: (cxt: KeywordCxt) => cxt.fail(_`${cxt.data}.length > ${cxt.schemaCode}`),
});

const checkTrackEvent: ValidateFunction<TrackEvent> = ajv.compile<TrackEvent>(TrackEvent);
const checkSegmentContext = ajv.compile<SegmentContext>(SegmentContext);
const checkSegmentMessage = Object.fromEntries(
  SEGMENT_TYPES.map((type) => [type, ajv.compile<SegmentMessage>(SegmentMessages[type])]),
) as Record<SegmentType, ValidateFunction<SegmentMessage>>;
const checkMetricSample: ValidateFunction<MetricSample> = ajv.compile<MetricSample>(MetricSample);

const SEGMENT_TYPE_SET: ReadonlySet<string> = new Set(SEGMENT_TYPES);

/** A product event (`/api/events/track`, or one item of a track batch). */
export function validateTrackEvent(item: unknown): Result<TrackEvent> {
  if (!isRecord(item)) return reject('invalid_event', 'An event must be a JSON object');
  if (checkTrackEvent(item)) return ok(item);
  const error = firstError(checkTrackEvent);
  const code =
    error.keyword === 'required' && missingField(error) === 'eventType'
      ? 'missing_event_type'
      : 'invalid_field';
  return fieldRejection(code, error);
}

/** A Segment HTTP Tracking API message, checked against the schema for its `type`. */
export function validateSegmentMessage(item: unknown): Result<SegmentMessage> {
  if (!isRecord(item)) return reject('invalid_event', 'A message must be a JSON object');
  const type = item.type;
  if (typeof type !== 'string' || !SEGMENT_TYPE_SET.has(type)) {
    return reject('unknown_message_type', `type must be one of ${SEGMENT_TYPES.join(', ')}`);
  }
  const check = checkSegmentMessage[type as SegmentType];
  if (!check(item)) {
    const error = firstError(check);
    const missing = error.keyword === 'required' ? missingField(error) : undefined;
    return fieldRejection(missing === 'event' ? 'missing_event_name' : 'invalid_field', error);
  }
  if (isBlank(item.userId) && isBlank(item.anonymousId)) {
    return reject('missing_identity', 'Either userId or anonymousId is required');
  }
  return ok(item);
}

/** One metric sample's shape; whether the app knows the metric is checkMetricSample's job. */
export function validateMetricSample(item: unknown): Result<MetricSample> {
  if (!isRecord(item)) return reject('invalid_sample', 'A sample must be a JSON object');
  if (checkMetricSample(item)) return ok(item);
  return fieldRejection('invalid_field', firstError(checkMetricSample));
}

/** `POST /api/events/track/batch`: `{ "events": [...], "sentAt"? }`. */
export function readTrackBatch(body: unknown, maxItems = MAX_BATCH_ITEMS): Result<BatchItems> {
  if (!isRecord(body) || !Array.isArray(body.events)) {
    return reject('invalid_body', 'The body must be an object with an "events" array');
  }
  return batch(body.events, body, maxItems);
}

/** `POST /v1/batch`: `{ "batch": [...], "sentAt"?, "context"?, "writeKey"? }`. */
export function readSegmentBatch(body: unknown, maxItems = MAX_BATCH_ITEMS): Result<BatchItems> {
  if (!isRecord(body) || !Array.isArray(body.batch)) {
    return reject('invalid_body', 'The body must be an object with a "batch" array');
  }
  if (body.context !== undefined && body.context !== null && !checkSegmentContext(body.context)) {
    const { field, message } = describeError(firstError(checkSegmentContext), 'context');
    return reject('invalid_body', `${field} ${message}`);
  }
  return batch(body.batch, body, maxItems);
}

/**
 * `POST /v1/track|page|screen|identify|group|alias`: one message whose type is the endpoint's
 * (Segment's single-call endpoints do not require `type` in the body; the path decides).
 */
export function readSegmentMessage(body: unknown, type: SegmentType): Result<BatchItems> {
  if (!isRecord(body)) return reject('invalid_body', 'The body must be a JSON object');
  body.type = type;
  return ok({ items: [body], envelope: {} });
}

/**
 * `POST /api/v1/metrics`: `{ "samples": [...], "sentAt"? }`, or one sample object on its own
 * (a sample never has a `samples` key, so the two cannot be confused).
 */
export function readMetricSamples(body: unknown, maxItems = MAX_BATCH_ITEMS): Result<BatchItems> {
  if (!isRecord(body)) return reject('invalid_body', 'The body must be a JSON object');
  if (body.samples === undefined) return ok({ items: [body], envelope: {} });
  if (!Array.isArray(body.samples)) return reject('invalid_body', '"samples" must be an array');
  return batch(body.samples, body, maxItems);
}

function batch(items: unknown[], body: Record<string, unknown>, maxItems: number): Result<BatchItems> {
  if (items.length > maxItems) {
    return reject('batch_too_large', `A batch holds at most ${maxItems} items (got ${items.length})`);
  }
  const { sentAt, context } = body;
  if (sentAt !== undefined && sentAt !== null && Number.isNaN(readTimestamp(sentAt))) {
    return reject('invalid_body', 'sentAt must be an ISO 8601 date-time or epoch milliseconds');
  }
  return ok({ items, envelope: { sentAt, context } });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function firstError(check: ValidateFunction): ErrorObject {
  const error = check.errors?.[0];
  // ajv always reports at least one error when validation fails; anything else is a bug.
  if (error === undefined) throw new Error('ajv reported a failure without errors');
  return error;
}

function missingField(error: ErrorObject): unknown {
  return (error.params as { missingProperty?: unknown }).missingProperty;
}

function fieldRejection(code: RejectCode, error: ErrorObject): Rejection {
  const { field, message } = describeError(error);
  return reject(code, `${field} ${message}`);
}

/** A dotted field name and a message built from the rule alone (no input is echoed). */
function describeError(error: ErrorObject, root = ''): { field: string; message: string } {
  const path = error.instancePath.slice(1).replaceAll('/', '.');
  const parent = [root, path].filter((part) => part !== '').join('.');
  const params = error.params as Record<string, unknown>;
  const at = (name: unknown) => [parent, String(name)].filter((part) => part !== '').join('.');
  switch (error.keyword) {
    case 'required':
      return { field: at(params.missingProperty), message: 'is required' };
    case 'type': {
      const types = Array.isArray(params.type) ? params.type : String(params.type).split(',');
      return { field: parent || 'value', message: `must be ${types.join(' or ')}` };
    }
    case 'maxLength':
      return { field: parent, message: `must be at most ${String(params.limit)} characters` };
    case 'minLength':
      return { field: parent, message: 'must not be empty' };
    case 'maxProperties':
      return { field: parent, message: `must have at most ${String(params.limit)} keys` };
    case 'minimum':
    case 'maximum':
      return { field: parent, message: `must be ${String(params.comparison)} ${String(params.limit)}` };
    case 'format':
      return { field: parent, message: 'must be an ISO 8601 date-time or epoch milliseconds' };
    case 'enum':
      return {
        field: parent,
        message: `must be one of ${(params.allowedValues as unknown[]).filter((v) => v !== null).join(', ')}`,
      };
    case 'const':
      return { field: parent, message: `must be ${String(params.allowedValue)}` };
    default:
      return { field: parent || 'value', message: error.message ?? 'is invalid' };
  }
}
