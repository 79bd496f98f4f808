// A real edge on a real port for tests: embedded ClickHouse (migrated), the control plane on
// the same Postgres and Redis (so keys are issued the way owners get them), and helpers to send
// requests and to wait until the spool has reached ClickHouse.
import { gzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { type ClickHouse, createClickHouse } from '../../clickhouse/index.ts';
import { runMigrations } from '../../clickhouse/migrations/index.ts';
import {
  createHarness,
  type Harness,
  type HarnessOptions,
  type StoreMode,
} from '../../control-plane/testing/harness.ts';
import { loadConfig } from '../../runtime/config/index.ts';
import { silentLogger } from '../../runtime/logger/index.ts';
import { tempDir, uniqueId } from '../../runtime/testing/services.ts';
import { type Edge, startEdge } from '../index.ts';

export interface EdgeHarness {
  cp: Harness;
  ch: ClickHouse;
  edge: Edge;
  registry: Registry;
  url: string;
  send: (path: string, body: unknown, options?: SendOptions) => Promise<Response>;
  /** Wait until `sql` (bound to params) returns `expected` rows' first column, or time out. */
  waitFor: (
    sql: string,
    params: Record<string, unknown>,
    expected: number,
    timeoutMs?: number,
  ) => Promise<number>;
  /** Another edge on the same ClickHouse, Postgres and Redis, with its own spool, registry and env. */
  sibling: (env?: Record<string, string>) => Promise<SiblingEdge>;
  close: () => Promise<void>;
}

export interface SiblingEdge {
  edge: Edge;
  registry: Registry;
  url: string;
  /** Close this edge (once; the harness's close skips it afterwards). */
  close: () => Promise<void>;
}

export interface SendOptions {
  key?: string;
  headers?: Record<string, string>;
  gzip?: boolean;
  raw?: boolean;
}

export async function createEdgeHarness(
  env: Record<string, string> = {},
  mode: StoreMode = 'embedded',
  options: HarnessOptions = {},
): Promise<EdgeHarness> {
  const cp = await createHarness(mode, env, options);
  const ch = await createClickHouse({
    url: undefined,
    database: 'analytics',
    dataDir: await tempDir('edge-ch'),
    logger: silentLogger(),
  });
  await runMigrations(ch, { logger: silentLogger() });
  const launch = async (edgeEnv: Record<string, string>): Promise<SiblingEdge> => {
    const config = loadConfig({
      API_KEY_SECRET: cp.deps.config.apiKeySecret,
      JWT_SECRET: cp.deps.config.jwtSecret,
      SPOOL_DIR: await tempDir(`spool-${uniqueId()}`),
      // Tests want rows in ClickHouse quickly rather than in one-second batches.
      SPOOL_FLUSH_INTERVAL_MS: '50',
      CACHE_KEY_TTL_MS: '1000',
      ...edgeEnv,
    }) as typeof cp.deps.config;
    const registry = new Registry();
    const edge = await startEdge(
      {
        config,
        clickhouse: ch,
        postgres: cp.deps.postgres,
        redis: cp.deps.redis,
        logger: cp.deps.logger,
        registry,
        now: cp.deps.now,
      },
      { host: '127.0.0.1', port: 0 },
    );
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= edge.close();
      return closing;
    };
    return { edge, registry, url: `http://127.0.0.1:${edge.port}`, close };
  };
  const { edge, registry, url } = await launch(env);
  const siblings: SiblingEdge[] = [];
  return {
    cp,
    ch,
    edge,
    registry,
    url,
    send: (path, body, sendOptions = {}) => {
      const text = sendOptions.raw ? (body as string | Buffer) : JSON.stringify(body);
      const payload = sendOptions.gzip ? gzipSync(text) : text;
      return fetch(`${url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(sendOptions.key ? { 'x-api-key': sendOptions.key } : {}),
          ...(sendOptions.gzip ? { 'content-encoding': 'gzip' } : {}),
          ...sendOptions.headers,
        },
        body: typeof payload === 'string' ? payload : new Uint8Array(payload),
      });
    },
    waitFor: async (sql, params, expected, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      let value = -1;
      while (Date.now() < deadline) {
        const rows = await ch.query<Record<string, string>>(sql, { params });
        value = Number(Object.values(rows[0] ?? {})[0] ?? 0);
        if (value === expected) return value;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return value;
    },
    sibling: async (siblingEnv = {}) => {
      const started = await launch(siblingEnv);
      siblings.push(started);
      return started;
    },
    close: async () => {
      for (const sibling of siblings) await sibling.close();
      await edge.close();
      await ch.close();
      await cp.close();
    },
  };
}
