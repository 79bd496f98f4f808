// Batch drivers: validate -> enrich -> serialize for every item of a parsed batch, answering per
// item. Each rejected item becomes a quarantine row as well as an entry in `rejected`, so nothing
// a client sent disappears without a trace.
import { segmentToEventRow, toEventRow, toQuarantineRow } from './enrich.ts';
import { checkMetricSample, indexMetricConfigs, toMetricRow } from './metrics.ts';
import { ok, type Result } from './result.ts';
import { jsonLine } from './serialize.ts';
import type { BatchEnvelope, MetricConfigLike, PipelineContext, ProcessResult } from './types.ts';
import { isUuid } from './uuid.ts';
import {
  type BatchItems,
  readMetricSamples,
  readSegmentBatch,
  readTrackBatch,
  validateMetricSample,
  validateSegmentMessage,
  validateTrackEvent,
} from './validate.ts';

/** Product events (`/api/events/track` as a batch of one, `/api/events/track/batch`) -> `events`. */
export function processTrackBatch(
  items: readonly unknown[],
  ctx: PipelineContext,
  source: string,
  envelope: BatchEnvelope = {},
): ProcessResult {
  const batch = new BatchWriter(ctx, source);
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    const event = validateTrackEvent(item);
    const row = event.ok ? toEventRow(event.value, ctx, envelope) : event;
    if (row.ok) batch.accept(jsonLine(row.value));
    else batch.reject(index, item, row);
  }
  return batch.outcome();
}

/** Segment messages (`/v1/batch`, `/v1/track` and the other single-call endpoints) -> `events`. */
export function processSegmentBatch(
  messages: readonly unknown[],
  ctx: PipelineContext,
  source: string,
  envelope: BatchEnvelope = {},
): ProcessResult {
  const batch = new BatchWriter(ctx, source);
  for (let index = 0; index < messages.length; index++) {
    const item = messages[index];
    const message = validateSegmentMessage(item);
    const row = message.ok ? segmentToEventRow(message.value, ctx, envelope) : message;
    if (row.ok) batch.accept(jsonLine(row.value));
    else batch.reject(index, item, row);
  }
  return batch.outcome();
}

/**
 * A parsed batch body read and processed: `{ "events": [...] }` for 'track', Segment
 * `{ "batch": [...] }` for 'segment'. A body that is not such a batch (or holds more than
 * `maxItems`) comes back as its rejection, which answers the whole request. The edge runs this
 * inline or in a parse worker; both must give the same answer, so both call this one function.
 */
export function processBatchBody(
  kind: 'track' | 'segment',
  body: unknown,
  ctx: PipelineContext,
  source: string,
  maxItems: number,
): Result<ProcessResult> {
  const read = kind === 'track' ? readTrackBatch(body, maxItems) : readSegmentBatch(body, maxItems);
  if (!read.ok) return read;
  const { items, envelope } = read.value;
  return ok(
    kind === 'track'
      ? processTrackBatch(items, ctx, source, envelope)
      : processSegmentBatch(items, ctx, source, envelope),
  );
}

/** Where metric samples arrive; their quarantine rows name it. */
export const METRICS_SOURCE = '/api/v1/metrics';

/**
 * Metric samples (`/api/v1/metrics`) -> `metric_samples`; rejects go to events_quarantine too.
 * `samples` is either the samples array or the whole request body, read by readMetricSamples
 * (`{ "samples": [...], "sentAt"? }` or one sample object); a body that is neither comes back as
 * one rejection at index 0, quarantined with the body.
 */
export function processMetricSamples(
  samples: unknown,
  configs: readonly MetricConfigLike[] | ReadonlyMap<string, MetricConfigLike>,
  ctx: PipelineContext,
  source: string = METRICS_SOURCE,
): ProcessResult {
  const batch = new BatchWriter(ctx, source);
  const body = Array.isArray(samples)
    ? ok<BatchItems>({ items: samples, envelope: {} })
    : readMetricSamples(samples);
  if (!body.ok) {
    batch.reject(0, samples, body);
    return batch.outcome();
  }
  const { items, envelope } = body.value;
  const configsByName =
    configs instanceof Map ? configs : indexMetricConfigs(configs as readonly MetricConfigLike[]);
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    const sample = validateMetricSample(item);
    if (!sample.ok) {
      batch.reject(index, item, sample);
      continue;
    }
    const config = checkMetricSample(sample.value, configsByName);
    if (config.ok) batch.accept(jsonLine(toMetricRow(sample.value, config.value, ctx, envelope)));
    else batch.reject(index, item, config);
  }
  return batch.outcome();
}

class BatchWriter {
  readonly #ctx: PipelineContext;
  readonly #source: string;
  #accepted = 0;
  #rows = '';
  #quarantine = '';
  readonly #rejected: ProcessResult['rejected'] = [];

  constructor(ctx: PipelineContext, source: string) {
    // Every row carries app_id unescaped into a UUID column: a bad one would fail a whole flush.
    if (!isUuid(ctx.appId))
      throw new Error(`PipelineContext.appId must be a UUID, got ${JSON.stringify(ctx.appId)}`);
    this.#ctx = ctx;
    this.#source = source;
  }

  accept(line: string): void {
    this.#accepted++;
    this.#rows += line;
  }

  reject(index: number, item: unknown, rejection: { code: string; message: string }): void {
    const { code, message } = rejection;
    this.#rejected.push({ index, code, message });
    this.#quarantine += jsonLine(toQuarantineRow(item, rejection, this.#ctx, this.#source));
  }

  outcome(): ProcessResult {
    return {
      accepted: this.#accepted,
      rows: this.#rows,
      quarantine: this.#quarantine,
      rejected: this.#rejected,
    };
  }
}
