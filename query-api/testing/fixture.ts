// One query-API test world per test file: a migrated embedded ClickHouse in its own temp dir
// (the engine binds one directory per process, and each test file runs in its own process), the
// control plane on embedded Postgres and Redis for owners and keys, and the query API wired to
// both. Owners register through the real control-plane API.
import { rm } from 'node:fs/promises';
import { Registry } from 'prom-client';
import { createEmbeddedClickHouse } from '../../clickhouse/embedded/index.ts';
import type { ClickHouse } from '../../clickhouse/index.ts';
import { runMigrations } from '../../clickhouse/migrations/index.ts';
import { createHarness, type Harness, type Registered } from '../../control-plane/testing/harness.ts';
import { loadConfig } from '../../runtime/config/index.ts';
import { createLogger, silentLogger } from '../../runtime/logger/index.ts';
import { tempDir } from '../../runtime/testing/services.ts';
import type { RateLimit } from '../auth/index.ts';
import { createQueryApi, type QueryApi } from '../index.ts';

// Tests fire hundreds of requests per owner in a second; the limiter has its own test.
const TEST_RATE_LIMIT: RateLimit = { perSecond: 100_000, burst: 100_000 };

export interface Auth {
  token?: string;
  apiKey?: string;
  headers?: Record<string, string>;
}

export interface QueryApiFixture {
  ch: ClickHouse;
  harness: Harness;
  api: QueryApi;
  metrics: Registry;
  /** Registers an owner (with an app and keys); optionally sets the app's time zone. */
  owner(timeZone?: string): Promise<Registered>;
  get(path: string, auth: Auth): Promise<Response>;
  /** GET expecting 200; returns the parsed JSON body. */
  json<T>(path: string, auth: Auth): Promise<T>;
  /** A second query API over the same stores, e.g. with another cache TTL or rate limit. */
  another(options: { env?: Record<string, string>; rateLimit?: RateLimit }): Promise<QueryApi>;
  close(): Promise<void>;
}

export function bearer(registered: Registered): Auth {
  return { token: registered.accessToken };
}

export async function openFixture(
  prefix: string,
  env: Record<string, string> = {},
): Promise<QueryApiFixture> {
  const dataDir = await tempDir(`qa-${prefix}`);
  const ch = await createEmbeddedClickHouse({ dataDir, database: 'analytics', logger: silentLogger() });
  await runMigrations(ch, { logger: silentLogger(), log: () => {} });
  const harness = await createHarness('embedded', env);
  const build = (config: Harness['deps']['config'], rateLimit: RateLimit) => {
    const metrics = new Registry();
    const api = createQueryApi({
      clickhouse: ch,
      postgres: harness.deps.postgres,
      redis: harness.deps.redis,
      config,
      // Only unexpected failures (500s) log at error level: a test that hits one shows why.
      logger: createLogger({ level: 'error', destination: process.stderr }),
      now: harness.deps.now,
      metrics,
      rateLimit,
    });
    return { api, metrics };
  };
  const { api, metrics } = build(harness.deps.config, TEST_RATE_LIMIT);

  const get = async (path: string, auth: Auth): Promise<Response> =>
    api.app.request(path, {
      headers: {
        ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}),
        ...(auth.apiKey ? { 'x-api-key': auth.apiKey } : {}),
        ...auth.headers,
      },
    });

  return {
    ch,
    harness,
    api,
    metrics,
    async owner(timeZone) {
      const registered = await harness.register();
      if (timeZone !== undefined) {
        const response = await harness.request('PATCH', `/api/apps/${registered.app.id}`, {
          token: registered.accessToken,
          body: { timeZone },
        });
        if (response.status !== 200) throw new Error(`setting the time zone failed: ${response.status}`);
      }
      return registered;
    },
    get,
    async json<T>(path: string, auth: Auth) {
      const response = await get(path, auth);
      const text = await response.text();
      if (response.status !== 200) throw new Error(`GET ${path} -> ${response.status}: ${text}`);
      return JSON.parse(text) as T;
    },
    async another(options) {
      const config = loadConfig({
        API_KEY_SECRET: harness.deps.config.apiKeySecret,
        JWT_SECRET: harness.deps.config.jwtSecret,
        ...options.env,
      }) as Harness['deps']['config'];
      return build(config, options.rateLimit ?? TEST_RATE_LIMIT).api;
    },
    async close() {
      await harness.close();
      await ch.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Query-string builder that repeats array values (steps=a&steps=b). */
export function qs(
  params: Readonly<Record<string, string | number | readonly string[] | undefined>>,
): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) search.append(key, String(item));
    else search.append(key, String(value));
  }
  return search.toString();
}
