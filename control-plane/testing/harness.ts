// Builds a control plane on real stores for tests: embedded (PGlite + in-process Redis) by
// default, or the real Postgres and Redis servers (each test file in its own Postgres schema).
import { cp } from 'node:fs/promises';
import { Writable } from 'node:stream';
import type { Hono } from 'hono';
import pg from 'pg';
import { inject } from 'vitest';
import { loadConfig } from '../../runtime/config/index.ts';
import { createLogger } from '../../runtime/logger/index.ts';
import { createPostgres, type Postgres } from '../../runtime/postgres/index.ts';
import { createRedis, type Redis } from '../../runtime/redis/index.ts';
import { serviceUrl, tempDir, uniqueId } from '../../runtime/testing/services.ts';
import type { ControlPlaneDeps } from '../deps.ts';
import { type ControlPlane, createControlPlane } from '../index.ts';
import { migratePostgres } from '../schema/index.ts';

export type StoreMode = 'embedded' | 'server';

export interface Harness {
  deps: ControlPlaneDeps;
  plane: ControlPlane;
  app: Hono;
  /** Everything the logger wrote, to scan for secrets. */
  logs: () => string;
  /** Shift the clock the control plane sees. */
  advance: (ms: number) => void;
  request: (
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ) => Promise<Response>;
  register: (email?: string) => Promise<Registered>;
  close: () => Promise<void>;
}

export interface Registered {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string };
  app: { id: string };
  keys: { browser: { id: string; key: string }; server: { id: string; key: string } };
}

export const TEST_PASSWORD = 'correct horse battery staple';

/** Whether server-mode tests can run here (in CI they must: serviceUrl throws when unset). */
export function serverStoresAvailable(): boolean {
  return Boolean(serviceUrl('DATABASE_URL') && serviceUrl('REDIS_URL'));
}

export interface HarnessOptions {
  /** Point Redis at this URL instead (e.g. a dead port to test failing closed). */
  redisUrl?: string;
}

export async function createHarness(
  mode: StoreMode = 'embedded',
  env: Record<string, string> = {},
  options: HarnessOptions = {},
): Promise<Harness> {
  let logText = '';
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _encoding, done) {
        logText += chunk.toString();
        done();
      },
    }),
  });
  const config = loadConfig({
    API_KEY_SECRET: 'test-api-key-secret-0123456789-abcdefghij',
    JWT_SECRET: 'test-jwt-secret-0123456789-abcdefghijklmnop',
    RATE_LIMIT_LOGIN_PER_MINUTE: '1000',
    ...env,
  }) as ControlPlaneDeps['config'];

  let postgres: Postgres;
  let redis: Redis;
  let dropSchema = async () => {};
  if (mode === 'embedded') {
    // A copy of the run's migrated template: a fresh database without paying initdb again.
    const dataDir = await tempDir('cp-pg');
    await cp(inject('pgliteTemplate'), dataDir, { recursive: true });
    postgres = await createPostgres({ url: undefined, dataDir, logger });
    redis = await createRedis({ url: options.redisUrl, logger });
  } else {
    const base = serviceUrl('DATABASE_URL') as string;
    const schema = uniqueId('cp');
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const url = new URL(base);
    url.searchParams.set('options', `-c search_path=${schema}`);
    postgres = await createPostgres({ url: url.toString(), dataDir: '', logger });
    redis = await createRedis({ url: options.redisUrl ?? (serviceUrl('REDIS_URL') as string), logger });
    dropSchema = async () => {
      const cleanup = new pg.Client({ connectionString: base });
      await cleanup.connect();
      await cleanup.query(`DROP SCHEMA ${schema} CASCADE`);
      await cleanup.end();
    };
  }
  await migratePostgres(postgres, { logger });

  let offset = 0;
  const deps: ControlPlaneDeps = { config, postgres, redis, logger, now: () => Date.now() + offset };
  const plane = createControlPlane(deps);

  const request: Harness['request'] = async (method, path, options = {}) =>
    plane.app.request(path, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });

  return {
    deps,
    plane,
    app: plane.app,
    logs: () => logText,
    advance: (ms) => {
      offset += ms;
    },
    request,
    register: async (email = `${uniqueId('owner')}@example.com`) => {
      const response = await request('POST', '/api/auth/register', {
        body: { email, password: TEST_PASSWORD },
      });
      if (response.status !== 201)
        throw new Error(`register failed: ${response.status} ${await response.text()}`);
      return (await response.json()) as Registered;
    },
    close: async () => {
      await redis.close();
      await postgres.close();
      await dropSchema();
    },
  };
}
