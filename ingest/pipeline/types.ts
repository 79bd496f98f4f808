// The shapes the pipeline steps share: what the edge passes in, and the rows it gets back.

/** What the edge knows about the request, the same for every item of a batch. */
export interface PipelineContext {
  /** The app the API key belongs to (UUID). */
  appId: string;
  /** The app's retention, copied onto each row for the table TTL. */
  retentionDays: number;
  /** Server clock when the request arrived, epoch ms. */
  receivedAt: number;
  /** The request's User-Agent header; used when an event carries none of its own. */
  userAgent: string | undefined;
  /** A UUIDv7 per call (createUuidV7Generator in production, a counter in tests). */
  newEventId(): string;
  /** ISO 3166-1 alpha-2 country from a trusted proxy header (e.g. CF-IPCountry), if any. */
  country?: string | undefined;
}

/** Batch-level fields that apply to every item lacking its own (Segment `sentAt`, `context`). */
export interface BatchEnvelope {
  /** When the client sent the batch: ISO 8601 text or epoch ms. */
  sentAt?: unknown;
  /** Segment batch-level context; a message's own context fields win. */
  context?: unknown;
}

/** One row of `events` (clickhouse/migrations/sql/0001_events.sql), every column set. */
export interface EventRow {
  app_id: string;
  event_id: string;
  event_type: string;
  name: string;
  /** `YYYY-MM-DD hh:mm:ss.fff` UTC, as every DateTime64(3) here. */
  ts: string;
  received_at: string;
  user_id: string;
  anonymous_id: string;
  session_id: string;
  url: string;
  host: string;
  path: string;
  referrer: string;
  referrer_domain: string;
  utm_source: string;
  utm_medium: string;
  utm_campaign: string;
  utm_term: string;
  utm_content: string;
  title: string;
  browser: string;
  browser_version: string;
  os: string;
  os_version: string;
  device_type: string;
  device_vendor: string;
  device_model: string;
  screen_width: number;
  screen_height: number;
  locale: string;
  country: string;
  /** JSON text of the event's properties / metadata / traits. */
  properties: string;
  retention_days: number;
}

/** One row of `events_quarantine` (0002_events_quarantine.sql). */
export interface QuarantineRow {
  app_id: string;
  received_at: string;
  reason: string;
  message: string;
  /** The rejected item's JSON, cut to MAX_QUARANTINE_PAYLOAD_CHARS. */
  payload: string;
  /** The endpoint that received it, e.g. /api/events/track/batch. */
  source: string;
}

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** An app's metric definition, as the control plane stores it. */
export interface MetricConfigLike {
  name: string;
  type: MetricType;
  labelNames: readonly string[];
  /** Ascending bucket upper bounds for histograms; null for counters and gauges. */
  buckets: readonly number[] | null;
  enabled: boolean;
}

/** One row of `metric_samples` (0006_metric_samples.sql). */
export interface MetricRow {
  app_id: string;
  name: string;
  type: MetricType;
  labels: Record<string, string>;
  value: number;
  ts: string;
  received_at: string;
  bucket_bounds: number[];
  retention_days: number;
}

/** A batch item that was not accepted; it is also written to the quarantine. */
export interface ItemRejection {
  /** Position in the batch the client sent. */
  index: number;
  code: string;
  message: string;
}

/** What a batch driver hands back to the edge. */
export interface ProcessResult {
  accepted: number;
  /** JSONEachRow text for the target table ('' when nothing was accepted). */
  rows: string;
  /** JSONEachRow text for events_quarantine, one line per rejected item. */
  quarantine: string;
  rejected: ItemRejection[];
}
