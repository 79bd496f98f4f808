// The ClickHouse interface on a ClickHouse server over HTTP (@clickhouse/client). At connect it
// learns the server's version and the settings it knows, so one build talks to old and new
// servers: settings the server does not know are dropped (one warning per name), and query
// parameters on a server too old for them fail with UNSUPPORTED_SERVER_VERSION instead of an
// obscure "Unknown setting param_x". Every request is bounded by a timeout.
//
// What we verified against Debian's 18.16 server: it has no `{name:Type}` parameters (the client
// sends them as `param_x` URL keys, which 18.16 rejects as unknown settings), no
// insert_deduplication_token, and it writes errors as "Code: 60, e.displayText() = ..." without a
// type name, which the client's own parser does not recognise (mapped in contract/).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  type ClickHouseClient,
  ClickHouseLogLevel,
  type Logger as ClientLogger,
  createClient,
  type ErrorLogParams,
  type LogParams,
  type WarnLogParams,
} from '@clickhouse/client';
import type { Logger } from '../../runtime/logger/index.ts';
import {
  databaseName,
  engineError,
  formatName,
  KnownSettings,
  messageOf,
  SETTING_NAMES_SQL,
  tableName,
  toJsonEachRow,
  withoutTrailingSemicolon,
} from '../contract/index.ts';
import {
  type ClickHouse,
  ClickHouseError,
  type InsertOptions,
  type InsertRows,
  type QueryOptions,
  type QueryParams,
  type QuerySettings,
} from '../types.ts';

export interface ServerClickHouseOptions {
  /** http(s)://[user:password@]host:port; the path and other URL parameters are not used. */
  url: string;
  /** Created if missing; every statement runs in it. */
  database: string;
  logger: Logger;
  /** Overrides REQUEST_TIMEOUT_MS, e.g. for outage tests that must not wait 30 s. */
  requestTimeoutMs?: number;
}

/** A request slower than this is treated as a hung server: the flusher retries from its spool. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Health checks must answer quickly; a server slower than this is reported as down. */
const PING_TIMEOUT_MS = 2_000;
/** Below the server's default keep-alive (3 s), so we never reuse a socket the server is closing. */
const IDLE_SOCKET_TTL_MS = 2_500;
/** The oldest server the product's schema is written for (JSON, parameters, dedup tokens). */
const MIN_PRODUCTION_VERSION = { major: 23, minor: 8 };
const MINIMUM_LABEL = `${MIN_PRODUCTION_VERSION.major}.${MIN_PRODUCTION_VERSION.minor}`;

/** Sent with every request the server understands, so both adapters return 64-bit ints as strings. */
const DEFAULT_SETTINGS: QuerySettings = { output_format_json_quote_64bit_integers: 1 };

/** Node and undici error codes that mean the server could not be reached or went away. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);
const UNAVAILABLE_MESSAGE = /socket hang up|Timeout error|other side closed|ECONNREFUSED|ECONNRESET/i;

interface Endpoint {
  /** Scheme, host and port only: safe to log and to put in error messages. */
  origin: string;
  username: string | undefined;
  password: string | undefined;
}

interface ServerFacts {
  version: string;
  known: KnownSettings;
  supportsQueryParams: boolean;
}

export async function createServerClickHouse(options: ServerClickHouseOptions): Promise<ClickHouse> {
  const database = databaseName(options.database);
  const endpoint = parseEndpoint(options.url);
  const timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  // The main client names the database on every request, which fails until it exists, so the
  // database is checked and created through a client that does not name one.
  const bootstrap = makeClient(endpoint, undefined, timeoutMs, options.logger);
  let facts: ServerFacts;
  try {
    facts = await learnServer(bootstrap, options.logger);
    await ensureDatabase(bootstrap, database);
  } catch (error) {
    throw toClickHouseError(error, endpoint, timeoutMs);
  } finally {
    await bootstrap.close();
  }
  if (isOlderThan(facts.version, MIN_PRODUCTION_VERSION)) {
    options.logger.warn(
      { url: endpoint.origin, version: facts.version, minimum: MINIMUM_LABEL },
      `ClickHouse server is older than ${MINIMUM_LABEL}: fine for transport tests, not for the product schema`,
    );
  }
  options.logger.info(
    { url: endpoint.origin, version: facts.version, database },
    'ClickHouse server connected',
  );
  const client = makeClient(endpoint, database, timeoutMs, options.logger);
  return new ServerClickHouse(client, endpoint, timeoutMs, facts);
}

class ServerClickHouse implements ClickHouse {
  readonly kind = 'server';
  readonly #client: ClickHouseClient;
  readonly #endpoint: Endpoint;
  readonly #timeoutMs: number;
  readonly #facts: ServerFacts;
  #closed = false;

  constructor(client: ClickHouseClient, endpoint: Endpoint, timeoutMs: number, facts: ServerFacts) {
    this.#client = client;
    this.#endpoint = endpoint;
    this.#timeoutMs = timeoutMs;
    this.#facts = facts;
  }

  async command(sql: string, options: QueryOptions = {}): Promise<void> {
    await this.#call(options, () => this.#client.command({ query: sql, ...this.#requestParams(options) }));
  }

  async query<T = Record<string, unknown>>(sql: string, options: QueryOptions = {}): Promise<T[]> {
    return this.#call(options, async () => {
      const result = await this.#client.query({
        query: sql,
        format: 'JSONEachRow',
        ...this.#requestParams(options),
      });
      return result.json<T>();
    });
  }

  async *stream(sql: string, format: string, options: QueryOptions = {}): AsyncIterable<Uint8Array> {
    const query = `${withoutTrailingSemicolon(sql)}\nFORMAT ${formatName(format)}`;
    const result = await this.#call(options, () =>
      this.#client.exec({ query, ...this.#requestParams(options) }),
    );
    try {
      for await (const chunk of result.stream) yield chunk as Uint8Array;
    } catch (error) {
      throw this.#mapError(error, options.signal);
    } finally {
      result.stream.destroy();
    }
  }

  async insert(table: string, rows: InsertRows, options: InsertOptions = {}): Promise<void> {
    const query = `INSERT INTO ${tableName(table)} FORMAT JSONEachRow`;
    // Made inside the request, so a call refused before sending never opens the file.
    let values: () => Readable;
    if ('jsonEachRowFile' in rows) {
      const file = rows.jsonEachRowFile;
      if ((await stat(file)).size === 0) return;
      values = () => createReadStream(file);
    } else {
      const payload = 'jsonEachRow' in rows ? rows.jsonEachRow : toJsonEachRow(rows);
      if (payload.length === 0) return;
      values = () => Readable.from([payload], { objectMode: false });
    }
    const settings = {
      ...options.settings,
      ...(options.deduplicationToken === undefined
        ? {}
        : { insert_deduplication_token: options.deduplicationToken }),
    };
    await this.#call({}, async () => {
      const stream = values();
      try {
        const result = await this.#client.exec({
          query,
          values: stream,
          clickhouse_settings: this.#settings(settings),
        });
        // The response body is empty for an INSERT; reading it to the end frees the socket for reuse.
        await finished(result.stream.resume());
      } finally {
        // Closes a file the request never read (refused before a socket was free, or failed).
        stream.destroy();
      }
    });
  }

  async ping(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      const result = await this.#client.ping({
        select: false,
        abort_signal: AbortSignal.timeout(PING_TIMEOUT_MS),
      });
      return result.success;
    } catch {
      return false;
    }
  }

  async serverVersion(): Promise<string> {
    const rows = await this.query<{ version: string }>('SELECT version() AS version');
    return rows[0]?.version ?? this.#facts.version;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.close();
  }

  async #call<T>(options: QueryOptions, request: () => Promise<T>): Promise<T> {
    if (this.#closed) throw closedError();
    // The client sends a request even when its signal has already fired.
    if (options.signal?.aborted) throw abortedError(options.signal.reason);
    if (hasParams(options.params) && !this.#facts.supportsQueryParams) {
      throw new ClickHouseError(
        `ClickHouse server ${this.#facts.version} at ${this.#endpoint.origin} is too old for query parameters ` +
          `({name:Type}, added in 19.x); this product needs ClickHouse ${MINIMUM_LABEL} or newer`,
        undefined,
        'UNSUPPORTED_SERVER_VERSION',
      );
    }
    try {
      return await request();
    } catch (error) {
      throw this.#mapError(error, options.signal);
    }
  }

  #requestParams(options: QueryOptions) {
    return {
      clickhouse_settings: this.#settings(options.settings),
      ...(hasParams(options.params) ? { query_params: { ...options.params } } : {}),
      ...(options.signal ? { abort_signal: options.signal } : {}),
    };
  }

  #settings(settings: QuerySettings | undefined) {
    return this.#facts.known.filter({ ...DEFAULT_SETTINGS, ...settings });
  }

  #mapError(error: unknown, signal: AbortSignal | undefined): ClickHouseError {
    if (signal?.aborted) return abortedError(error);
    return toClickHouseError(error, this.#endpoint, this.#timeoutMs);
  }
}

function closedError(): ClickHouseError {
  return new ClickHouseError('The ClickHouse server client is closed', undefined, 'CLOSED');
}

function abortedError(cause: unknown): ClickHouseError {
  return new ClickHouseError('The ClickHouse call was aborted by its caller', undefined, 'ABORTED', false, {
    cause,
  });
}

function parseEndpoint(url: string): Endpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ClickHouseError('CLICKHOUSE_URL is not a valid URL', undefined, 'BAD_ARGUMENTS', false, {
      cause: error,
    });
  }
  return {
    origin: parsed.origin,
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
  };
}

function makeClient(
  endpoint: Endpoint,
  database: string | undefined,
  timeoutMs: number,
  logger: Logger,
): ClickHouseClient {
  // Only the origin goes to the client: URL parameters would otherwise become settings sent on
  // every request, unfiltered, and an old server rejects any it does not know.
  return createClient({
    url: endpoint.origin,
    ...(endpoint.username === undefined ? {} : { username: endpoint.username }),
    ...(endpoint.password === undefined ? {} : { password: endpoint.password }),
    ...(database === undefined ? {} : { database }),
    application: 'clickstream',
    request_timeout: timeoutMs,
    // Compression would make the client send enable_http_compression on every request.
    compression: { request: false, response: false },
    keep_alive: { enabled: true, idle_socket_ttl: IDLE_SOCKET_TTL_MS },
    log: { LoggerClass: clientLoggerClass(logger), level: ClickHouseLogLevel.WARN },
  });
}

async function learnServer(client: ClickHouseClient, logger: Logger): Promise<ServerFacts> {
  const versionRows = await (
    await client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' })
  ).json<{
    version: string;
  }>();
  const version = versionRows[0]?.version ?? 'unknown';
  const names = await (await client.query({ query: SETTING_NAMES_SQL, format: 'JSONEachRow' })).json<{
    name: string;
  }>();
  const known = new KnownSettings(
    names.map((row) => row.name),
    logger,
    `server ${version}`,
  );
  return { version, known, supportsQueryParams: await probeQueryParams(client) };
}

/** Whether the server binds `{name:Type}` parameters; servers before 19.x reject the request. */
async function probeQueryParams(client: ClickHouseClient): Promise<boolean> {
  try {
    await client.query({
      query: 'SELECT {probe:UInt8} AS probe',
      format: 'JSONEachRow',
      query_params: { probe: 1 },
    });
    return true;
  } catch (error) {
    const { code } = engineError(messageOf(error), error);
    // 62 SYNTAX_ERROR (the placeholder) or 115 UNKNOWN_SETTING (the param_probe URL key).
    if (code === 62 || code === 115) return false;
    throw error;
  }
}

async function ensureDatabase(client: ClickHouseClient, database: string): Promise<void> {
  // Listing names avoids binding a parameter, which the oldest servers cannot do.
  const rows = await (
    await client.query({ query: 'SELECT name FROM system.databases', format: 'JSONEachRow' })
  ).json<{
    name: string;
  }>();
  if (!rows.some((row) => row.name === database)) {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  }
}

function hasParams(params: QueryParams | undefined): params is QueryParams {
  return params !== undefined && Object.keys(params).length > 0;
}

/** "18.16.1" -> older than { major: 23, minor: 8 }? Unparseable versions count as old. */
export function isOlderThan(version: string, minimum: { major: number; minor: number }): boolean {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  return major < minimum.major || (major === minimum.major && minor < minimum.minor);
}

function toClickHouseError(error: unknown, endpoint: Endpoint, timeoutMs: number): ClickHouseError {
  if (error instanceof ClickHouseError) return error;
  const reason = unavailableReason(error, timeoutMs);
  if (reason !== undefined) {
    return new ClickHouseError(
      `ClickHouse server at ${endpoint.origin} is unavailable: ${reason}`,
      undefined,
      undefined,
      true,
      {
        cause: error,
      },
    );
  }
  // The client's own error class carries the code as a string and the type when it parsed one.
  const details = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const code =
    typeof details.code === 'string' && /^\d+$/.test(details.code) ? Number(details.code) : undefined;
  const type = typeof details.type === 'string' && details.type !== '' ? details.type : undefined;
  return engineError(messageOf(error), error, { code, type });
}

/** Why the server could not be reached, or undefined when it answered (even with an error). */
function unavailableReason(error: unknown, timeoutMs: number): string | undefined {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const code = (current as NodeJS.ErrnoException).code;
    if (current.message.includes('Timeout error')) return `no answer within ${timeoutMs} ms`;
    if (code !== undefined && UNAVAILABLE_CODES.has(code)) return `${code} (${current.message})`;
    if (UNAVAILABLE_MESSAGE.test(current.message)) return current.message;
  }
  return undefined;
}

/** Routes the client library's own log lines into our logger. */
function clientLoggerClass(logger: Logger): new () => ClientLogger {
  const log = logger.child({ component: '@clickhouse/client' });
  const fields = (params: LogParams & { err?: Error }) => ({
    module: params.module,
    ...params.args,
    err: params.err,
  });
  return class implements ClientLogger {
    trace(params: LogParams) {
      log.trace(fields(params), params.message);
    }
    debug(params: LogParams) {
      log.debug(fields(params), params.message);
    }
    info(params: LogParams) {
      log.info(fields(params), params.message);
    }
    warn(params: WarnLogParams) {
      log.warn(fields(params), params.message);
    }
    // Every failed request is also thrown to our caller as a ClickHouseError, and the caller
    // decides how loud it is (the flusher retries through outages); logging it here too would
    // print each failure twice at error level.
    error(params: ErrorLogParams) {
      log.debug(fields(params), params.message);
    }
  };
}
