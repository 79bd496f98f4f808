import path from 'node:path';
import type { Config } from './types.ts';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    readonly expected: string,
    readonly got: string | undefined,
  ) {
    super(`${variable} must be ${expected}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const MiB = 1024 * 1024;
const MIN_SECRET_LENGTH = 32; // 32 characters ~ 192 bits of base64 entropy: enough for HMAC-SHA256 keys

function str(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `an integer between ${min} and ${max}`, raw);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `an integer between ${min} and ${max}`, raw);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, 'a boolean (true/false)', raw);
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  const expected = `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, expected, redactUrl(raw));
  }
  if (!protocols.includes(parsed.protocol) || parsed.hostname === '') {
    throw new ConfigError(name, expected, redactUrl(raw));
  }
  return raw;
}

/** Hide a password in a URL before it appears in an error message. */
function redactUrl(raw: string): string {
  return raw.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

function secret(env: Env, name: string): string | undefined {
  const raw = str(env, name);
  if (raw !== undefined && raw.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(name, `at least ${MIN_SECRET_LENGTH} characters of random data`, undefined);
  }
  return raw;
}

function list(env: Env, name: string): string[] {
  return (str(env, name) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function clickhouseDatabase(chUrl: string | undefined, env: Env): string {
  const fromUrl = chUrl ? new URL(chUrl).pathname.replace(/^\//, '') : '';
  const name = str(env, 'CLICKHOUSE_DATABASE') ?? (fromUrl || 'analytics');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new ConfigError('CLICKHOUSE_DATABASE', 'an identifier of letters, digits and underscores', name);
  }
  return name;
}

/** GCRA emission intervals are whole microseconds (runtime/redis/gcra.ts). */
const MAX_RATE_PER_SECOND = 1_000_000;

/** Parse and validate the environment. Pure: touches no files and no network. */
export function loadConfig(env: Env): Readonly<Config> {
  const nodeEnv = str(env, 'NODE_ENV') ?? 'development';
  if (nodeEnv !== 'development' && nodeEnv !== 'production' && nodeEnv !== 'test') {
    throw new ConfigError('NODE_ENV', 'one of development, production, test', nodeEnv);
  }
  const logLevel = str(env, 'LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', 'one of fatal, error, warn, info, debug, trace, silent', logLevel);
  }
  const dataDir = path.resolve(str(env, 'DATA_DIR') ?? './data');
  const port = int(env, 'PORT', 3000, 1, 65535);
  const ingestPort = int(env, 'INGEST_PORT', 8080, 1, 65535);
  const chUrl = url(env, 'CLICKHOUSE_URL', ['http:', 'https:']);

  const config: Config = {
    nodeEnv,
    logLevel,
    dataDir,
    host: str(env, 'HOST') ?? '0.0.0.0',
    port,
    ingestPort,
    publicUrl: url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`,
    publicIngestUrl: url(env, 'PUBLIC_INGEST_URL', ['http:', 'https:']) ?? `http://localhost:${ingestPort}`,
    trustProxy: bool(env, 'TRUST_PROXY', false),
    clickhouse: { url: chUrl, database: clickhouseDatabase(chUrl, env) },
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    apiKeySecret: secret(env, 'API_KEY_SECRET'),
    jwtSecret: secret(env, 'JWT_SECRET'),
    oidc: {
      issuer: url(env, 'OIDC_ISSUER', ['http:', 'https:']) ?? 'https://accounts.google.com',
      clientId: str(env, 'GOOGLE_CLIENT_ID'),
      clientSecret: str(env, 'GOOGLE_CLIENT_SECRET'),
    },
    grafanaUrl: url(env, 'GRAFANA_URL', ['http:', 'https:']),
    corsOrigins: list(env, 'CORS_ORIGINS'),
    keys: {
      // A day lets every deployed client pick up a regenerated key before the old one dies.
      graceSeconds: int(env, 'API_KEY_GRACE_SECONDS', 86_400, 0, 30 * 86_400),
    },
    ingest: {
      // 1 MiB holds a 1,000-event batch of typical web events with room to spare.
      maxBodyBytes: int(env, 'INGEST_MAX_BODY_BYTES', 1 * MiB, 1024, 64 * MiB),
      // gzip of JSON compresses ~10x; beyond 8 MiB inflated it is a bomb, not a batch.
      maxDecompressedBytes: int(env, 'INGEST_MAX_DECOMPRESSED_BYTES', 8 * MiB, 1024, 256 * MiB),
      maxBatchEvents: int(env, 'INGEST_MAX_BATCH_EVENTS', 1000, 1, 100_000),
      // uWS closes sockets idle this long; slow-loris clients cannot hold connections.
      idleTimeoutSeconds: int(env, 'INGEST_IDLE_TIMEOUT_SECONDS', 10, 1, 600),
      // 0 = one worker per CPU core.
      workers: int(env, 'INGEST_WORKERS', 0, 0, 256),
      // 0 = parse batches on the event loop. One worker thread measured within noise of inline
      // on the 2-core bench machine (+4% events/s, +30% p99; README "Using both cores"): a
      // worker pays only where a core is idle for it, so it is opt-in.
      parseThreads: int(env, 'INGEST_PARSE_THREADS', 0, 0, 64),
    },
    spool: {
      dir: path.resolve(str(env, 'SPOOL_DIR') ?? path.join(dataDir, 'spool')),
      // 1 GiB is ~10 minutes of 150k events/s at ~700 B/event before we start answering 503.
      maxBytes: int(env, 'SPOOL_MAX_BYTES', 1024 * MiB, 64 * 1024, Number.MAX_SAFE_INTEGER),
      // A few ms of group commit trades negligible latency for one fsync per many requests.
      fsyncIntervalMs: int(env, 'SPOOL_FSYNC_INTERVAL_MS', 2, 0, 1000),
      // ClickHouse prefers about one insert per second per table.
      flushIntervalMs: int(env, 'SPOOL_FLUSH_INTERVAL_MS', 1000, 10, 60_000),
      flushRows: int(env, 'SPOOL_FLUSH_ROWS', 200_000, 1, 10_000_000),
    },
    rateLimit: {
      // The limiter keeps time in whole microseconds, so a million per second is the finest
      // rate it can hold; a higher one would be quietly capped there (and its leases wasted).
      keyPerSecond: int(env, 'RATE_LIMIT_KEY_PER_SECOND', 10_000, 1, MAX_RATE_PER_SECOND),
      keyBurst: int(env, 'RATE_LIMIT_KEY_BURST', 20_000, 1, 100_000_000),
      ipPerSecond: int(env, 'RATE_LIMIT_IP_PER_SECOND', 2_000, 1, MAX_RATE_PER_SECOND),
      ipBurst: int(env, 'RATE_LIMIT_IP_BURST', 4_000, 1, 100_000_000),
      // Enough for a human fumbling a password, too few for guessing.
      loginPerMinute: int(env, 'RATE_LIMIT_LOGIN_PER_MINUTE', 10, 1, 10_000),
    },
    cache: {
      // Bounds how long a cached positive key answer can outlive a missed revocation message.
      keyTtlMs: int(env, 'CACHE_KEY_TTL_MS', 5_000, 0, 3_600_000),
      keyMaxEntries: int(env, 'CACHE_KEY_MAX_ENTRIES', 100_000, 1, 10_000_000),
      queryTtlSeconds: int(env, 'CACHE_QUERY_TTL_SECONDS', 60, 0, 86_400),
    },
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
