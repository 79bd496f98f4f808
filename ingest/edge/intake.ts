// One ingest request from bytes to a durable answer, independent of the HTTP server:
// decode (gzip cap) -> authenticate (checksum, cache, Redis, Postgres) -> rate limits ->
// parse and process per item -> append to the spool (fsync) -> 202. Every rejected item is
// quarantined; nothing is acknowledged before it is on disk. With a parse pool, large batch
// bodies are parsed and processed in a worker thread; everything else, and the answer, is the
// same code on this thread.
//
// Memory: a request holds its body and its parsed items only until they are spool lines. The
// wait for the fsync holds buffers and counts, nothing else: whatever is still reachable when
// the young generation is collected is promoted, and under batch load that was the parsed
// bodies (about 100 MB a second), which only full collections free.
import { createHash } from 'node:crypto';
import { gunzip } from 'node:zlib';
import { judgeKey, type KeyRecord, type KeyUsageTally, parseKey } from '../../control-plane/keys/index.ts';
import type { Config } from '../../runtime/config/index.ts';
import type { KeyCache } from '../keys/index.ts';
import type { LeasedLimiter } from '../limits/leased-limiter.ts';
import { OFFLOAD_MIN_BYTES, type ParseOutcome, type ParsePool } from '../offload/index.ts';
import {
  jsonLine,
  type MetricConfigLike,
  newEventId,
  type ProcessResult,
  parseJsonBody,
  processBatchBody,
  processMetricSamples,
  processSegmentBatch,
  processTrackBatch,
  readSegmentMessage,
  type SegmentType,
  toQuarantineRow,
} from '../pipeline/index.ts';
import { type SpoolEntry, SpoolFullError, type SpoolWriter } from '../spool/index.ts';
import { errorReply, jsonReply, type Reply } from './http.ts';
import type { EdgeMetrics } from './metrics.ts';

export type Endpoint = 'track' | 'batch' | 'segment' | 'metrics';

export interface IntakeRequest {
  endpoint: Endpoint;
  /** The route, recorded as the quarantine source. */
  path: string;
  /** For Segment single-message routes: the message type the path implies. */
  segmentType?: SegmentType;
  contentEncoding: string;
  apiKey: string;
  authorization: string;
  queryKey: string;
  origin: string;
  userAgent: string;
  ip: string;
}

export interface IntakeDeps {
  config: Readonly<Config>;
  keys: KeyCache;
  keyLimiter: LeasedLimiter;
  ipLimiter: LeasedLimiter;
  spool: SpoolWriter;
  usage: KeyUsageTally;
  /** The app's enabled metric configs by name (the edge caches them indexed). */
  metricConfigs: (appId: string) => Promise<ReadonlyMap<string, MetricConfigLike>>;
  metrics: EdgeMetrics;
  now: () => number;
  /** When set, batch bodies of OFFLOAD_MIN_BYTES or more are processed in its worker threads. */
  parsePool?: ParsePool | undefined;
}

// Nesting beyond this is not analytics data; it is an attack on the parser or the database.
const MAX_JSON_DEPTH = 32;
// Limiter keys carry no raw IP. Clients repeat, so recent hashes are remembered and SHA-256 stays
// off most requests; bounded so a flood of distinct addresses costs at most this many entries.
const IP_HASH_CACHE_ENTRIES = 10_000;

const KEY_FAILURES: Readonly<Record<string, { status: number; message: string }>> = {
  key_missing: { status: 401, message: 'An API key is required (X-API-Key header)' },
  key_malformed: { status: 401, message: 'The API key is not in a valid format' },
  key_checksum: { status: 401, message: 'The API key is mistyped (checksum mismatch)' },
  key_unknown: { status: 401, message: 'The API key is not valid' },
  key_revoked: { status: 401, message: 'The API key has been revoked' },
  key_expired: { status: 401, message: 'The API key has expired' },
  key_scope: { status: 403, message: 'This key may not send data' },
  origin_not_allowed: { status: 403, message: 'This origin is not allowed for this browser key' },
  origin_required: { status: 403, message: 'Browser keys are only accepted from an allowed Origin' },
};

/** A request's headers and its body, passed apart so that answering it does not keep the body. */
export type Intake = (request: IntakeRequest, body: Buffer) => Promise<Reply>;

export function createIntake(deps: IntakeDeps): Intake {
  const { config, metrics } = deps;
  const ipHashes = new Map<string, string>();

  function hashIp(ip: string): string {
    let hashed = ipHashes.get(ip);
    if (hashed === undefined) {
      if (ipHashes.size >= IP_HASH_CACHE_ENTRIES) ipHashes.clear();
      hashed = createHash('sha256').update(ip).digest('base64url').slice(0, 22);
      ipHashes.set(ip, hashed);
    }
    return hashed;
  }

  async function decode(request: IntakeRequest, body: Buffer): Promise<Buffer | Reply> {
    const encoding = request.contentEncoding.toLowerCase();
    if (encoding === '' || encoding === 'identity') return body;
    if (encoding !== 'gzip')
      return errorReply(415, 'unsupported_encoding', 'Content-Encoding must be gzip or absent');
    return new Promise((resolve) => {
      gunzip(body, { maxOutputLength: config.ingest.maxDecompressedBytes }, (error, result) => {
        if (!error) return resolve(result);
        resolve(
          (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
            ? errorReply(
                413,
                'body_too_large',
                `Decompressed body exceeds ${config.ingest.maxDecompressedBytes} bytes`,
              )
            : errorReply(400, 'invalid_gzip', 'Body is not valid gzip'),
        );
      });
    });
  }

  function presentedKey(request: IntakeRequest, body: unknown): string {
    if (request.apiKey) return request.apiKey;
    if (request.queryKey) return request.queryKey;
    // Segment clients send the write key as the HTTP Basic user (password empty).
    const basic = /^Basic\s+(\S+)$/i.exec(request.authorization);
    if (basic?.[1]) return Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0] ?? '';
    if (body && typeof body === 'object' && 'writeKey' in body && typeof body.writeKey === 'string') {
      return body.writeKey;
    }
    return '';
  }

  async function authenticate(request: IntakeRequest, raw: string): Promise<KeyRecord | Reply> {
    const parsed = parseKey(raw);
    if (!parsed.ok) return keyFailure(parsed.code);
    const record = await deps.keys.get(parsed.value.key);
    if (record?.kind === 'browser' && request.origin === '') return keyFailure('origin_required');
    const verdict = judgeKey(record, deps.now(), {
      scope: 'ingest',
      origin: record?.kind === 'browser' ? request.origin : undefined,
    });
    return verdict.ok ? verdict.record : keyFailure(verdict.code);
  }

  function keyFailure(code: string): Reply {
    const failure = KEY_FAILURES[code] ?? { status: 401, message: 'The API key is not valid' };
    metrics.rejected.inc({ endpoint: 'auth', reason: code });
    return errorReply(failure.status, code, failure.message);
  }

  async function limit(
    subject: string,
    limiter: LeasedLimiter,
    cost: number,
    name: string,
  ): Promise<Reply | undefined> {
    const decision = await limiter.take(subject, cost);
    if (decision.allowed) return undefined;
    metrics.rateLimited.inc({ limit: name });
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    return errorReply(429, 'rate_limited', `Rate limit exceeded (${name}); retry later`, {
      headers: { 'retry-after': String(seconds) },
    });
  }

  function process(
    request: IntakeRequest,
    body: unknown,
    key: KeyRecord,
    configs: ReadonlyMap<string, MetricConfigLike>,
  ): ProcessResult | Reply {
    const ctx = {
      appId: key.appId,
      retentionDays: key.retentionDays,
      receivedAt: deps.now(),
      userAgent: request.userAgent,
      newEventId,
    };
    const path = request.path;
    switch (request.endpoint) {
      case 'track':
        return processTrackBatch([body], ctx, path);
      case 'batch': {
        const processed = processBatchBody('track', body, ctx, path, config.ingest.maxBatchEvents);
        return processed.ok ? processed.value : unreadable(processed);
      }
      case 'segment': {
        if (!request.segmentType) {
          const processed = processBatchBody('segment', body, ctx, path, config.ingest.maxBatchEvents);
          return processed.ok ? processed.value : unreadable(processed);
        }
        const read = readSegmentMessage(body, request.segmentType);
        return read.ok
          ? processSegmentBatch(read.value.items, ctx, path, read.value.envelope)
          : unreadable(read);
      }
      case 'metrics':
        return processMetricSamples(body, configs, ctx, path);
    }
  }

  async function accept(
    request: IntakeRequest,
    body: Buffer,
    parsed: ReturnType<typeof parseJsonBody>,
    key: KeyRecord,
  ): Promise<Reply> {
    if (!parsed.ok) {
      const row = toQuarantineRow(body, parsed, { appId: key.appId, receivedAt: deps.now() }, request.path);
      return refuseUnparsable(request, key, parsed, jsonLine(row));
    }
    const configs = request.endpoint === 'metrics' ? await deps.metricConfigs(key.appId) : NO_METRIC_CONFIGS;
    const result = process(request, parsed.value, key, configs);
    if (!isResult(result)) return result;
    return store(request, key, result);
  }

  /** The worker-thread twin of accept(): the same limits, spool lines and answers. */
  async function acceptInWorker(
    request: IntakeRequest,
    pool: ParsePool,
    body: Buffer,
    key: KeyRecord,
  ): Promise<Reply> {
    const outcome: ParseOutcome = await pool.run({
      kind: request.endpoint === 'batch' ? 'track' : 'segment',
      body,
      source: request.path,
      appId: key.appId,
      retentionDays: key.retentionDays,
      receivedAt: deps.now(),
      userAgent: request.userAgent,
      maxDepth: MAX_JSON_DEPTH,
      maxBatchEvents: config.ingest.maxBatchEvents,
    });
    switch (outcome.kind) {
      case 'unparsable':
        return refuseUnparsable(request, key, outcome, outcome.quarantine);
      case 'unreadable':
        return unreadable(outcome);
      case 'processed':
        return store(request, key, outcome.result);
    }
  }

  function refuseUnparsable(
    request: IntakeRequest,
    key: KeyRecord,
    rejection: { code: string; message: string },
    quarantine: string,
  ): Promise<Reply> {
    metrics.rejected.inc({ endpoint: request.endpoint, reason: rejection.code });
    // An authenticated caller's unreadable body is kept too: nothing is dropped silently. As in
    // store(), the wait for the fsync holds the answer, not the body.
    const reply = errorReply(400, rejection.code, rejection.message);
    return deps.spool
      .append([{ table: 'events_quarantine', lines: quarantine, rows: 1, appIds: [key.appId] }])
      .then(
        () => reply,
        () => reply,
      );
  }

  async function store(request: IntakeRequest, key: KeyRecord, result: ProcessResult): Promise<Reply> {
    const items = result.accepted + result.rejected.length;
    const keyLimited = await limit(key.keyId, deps.keyLimiter, Math.max(1, items), 'key');
    if (keyLimited) return keyLimited;

    const entries: SpoolEntry[] = [];
    const table = request.endpoint === 'metrics' ? 'metric_samples' : 'events';
    if (result.rows.length > 0)
      entries.push({ table, lines: result.rows, rows: result.accepted, appIds: [key.appId] });
    if (result.quarantine.length > 0) {
      entries.push({
        table: 'events_quarantine',
        lines: result.quarantine,
        rows: result.rejected.length,
        appIds: [key.appId],
      });
    }
    // append() has encoded the lines by the time it returns; the wait for the fsync is
    // answerWhenDurable's, which holds only the counts.
    const durable = deps.spool.append(entries);
    return answerWhenDurable(durable, request.endpoint, key.keyId, result.accepted, result.rejected);
  }

  async function answerWhenDurable(
    durable: Promise<void>,
    endpoint: Endpoint,
    keyId: string,
    accepted: number,
    rejected: ProcessResult['rejected'],
  ): Promise<Reply> {
    try {
      await durable;
    } catch (error) {
      const full = error instanceof SpoolFullError;
      return errorReply(
        503,
        full ? 'spool_full' : 'spool_unavailable',
        full ? 'Ingest is at capacity; retry shortly' : 'Ingest cannot store data right now; retry shortly',
        {
          headers: { 'retry-after': full ? '5' : '1' },
        },
      );
    }
    deps.usage.record(keyId, deps.now());
    metrics.accepted.inc({ endpoint }, accepted);
    for (const rejection of rejected) metrics.rejected.inc({ endpoint, reason: rejection.code });
    if (accepted === 0 && rejected.length > 0) {
      const only = rejected.length === 1 ? rejected[0] : undefined;
      return jsonReply(400, {
        accepted: 0,
        rejected,
        error: {
          code: only ? only.code : 'invalid_events',
          message: only ? only.message : 'No item in the request was valid',
        },
      });
    }
    return jsonReply(202, { accepted, rejected });
  }

  /**
   * The parse pool for batch bodies worth a thread hop. Only those whose key is in a header go
   * there (the caller checks): a Segment writeKey inside the body can only be read after parsing.
   */
  function workerPool(request: IntakeRequest, body: Buffer): ParsePool | undefined {
    if (deps.parsePool === undefined || body.byteLength < OFFLOAD_MIN_BYTES) return undefined;
    const batch = request.endpoint === 'batch' || (request.endpoint === 'segment' && !request.segmentType);
    return batch ? deps.parsePool : undefined;
  }

  /**
   * The one admission sequence: authenticate the presented key, refuse readably, limit the IP,
   * then accept. A refusal is readable by the page that caused it, so the tracker sees 401/403
   * and stops instead of retrying what looks like a network error; it reveals nothing about the key.
   */
  async function admit(
    request: IntakeRequest,
    raw: string,
    acceptWith: (key: KeyRecord) => Promise<Reply>,
  ): Promise<Reply> {
    const key = await authenticate(request, raw);
    if (!isRecord(key)) return refusalWithCors(key, request.origin);
    const ipLimited = await limit(hashIp(request.ip), deps.ipLimiter, 1, 'ip');
    if (ipLimited) return withCors(ipLimited, key, request.origin);
    // Returned, not awaited: this frame, and the body and parsed items acceptWith holds, are
    // let go while the answer waits for the fsync.
    return acceptWith(key).then((reply) => withCors(reply, key, request.origin));
  }

  return async function intake(request: IntakeRequest, body: Buffer): Promise<Reply> {
    const decoded = await decode(request, body);
    if (!Buffer.isBuffer(decoded)) return decoded;
    const pool = workerPool(request, decoded);
    const headerKey = pool ? presentedKey(request, undefined) : '';
    if (pool && headerKey !== '') {
      // Parsing is pure, so authenticating first by the header key changes nothing a caller can see.
      return admit(request, headerKey, (key) => acceptInWorker(request, pool, decoded, key));
    }
    // The key is checked before a parse error is reported, so unauthenticated callers learn
    // nothing about parsing; a key in the body is only readable once parsing succeeded.
    const parsed = parseJsonBody(decoded, { maxDepth: MAX_JSON_DEPTH });
    const raw = presentedKey(request, parsed.ok ? parsed.value : undefined);
    return admit(request, raw, (key) => accept(request, decoded, parsed, key));
  };
}

/** Answers to a browser key from its allowed origin are readable by that page, Retry-After too. */
function corsHeaders(key: KeyRecord, origin: string): Record<string, string> | undefined {
  if (key.kind !== 'browser' || origin === '') return undefined;
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'Retry-After',
    vary: 'Origin',
  };
}

const NO_METRIC_CONFIGS: ReadonlyMap<string, MetricConfigLike> = new Map();

function withCors(reply: Reply, key: KeyRecord, origin: string): Reply {
  const cors = corsHeaders(key, origin);
  return cors ? { ...reply, headers: { ...reply.headers, ...cors } } : reply;
}

function refusalWithCors(reply: Reply, origin: string): Reply {
  if (origin === '') return reply;
  return { ...reply, headers: { ...reply.headers, 'access-control-allow-origin': origin, vary: 'Origin' } };
}

function unreadable(read: { code: string; message: string }): Reply {
  return errorReply(read.code === 'batch_too_large' ? 413 : 400, read.code, read.message);
}

function isRecord(value: KeyRecord | Reply): value is KeyRecord {
  return 'keyId' in value;
}

function isResult(value: ProcessResult | Reply): value is ProcessResult {
  return 'accepted' in value;
}
