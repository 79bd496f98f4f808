import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createControlPlane } from '../../control-plane/index.ts';
import { type Edge, startEdge } from '../../ingest/index.ts';
import { combinedOpenApi, createQueryApi, OPENAPI_PATH } from '../../query-api/index.ts';
import type { Config } from '../config/index.ts';
import { type DependencyCheck, healthRoutes } from '../health/index.ts';
import { errorHandler, notFoundHandler } from '../http/index.ts';
import type { Logger } from '../logger/index.ts';
import { openStores, type Stores } from './stores.ts';

export const SERVICES = ['all', 'control-plane', 'query-api', 'ingest', 'migrate'] as const;
export type ServiceName = (typeof SERVICES)[number];

type ReadyConfig = Readonly<Config> & { apiKeySecret: string; jwtSecret: string };

export interface RunningService {
  /** Where each server listens, for the start-up banner and tests. */
  urls: Record<string, string>;
  stop(): Promise<void>;
}

/** Which parts run in this process: `all`, or any combination such as `ingest query-api`. */
function plan(names: readonly ServiceName[]) {
  const has = (name: ServiceName) => names.includes('all') || names.includes(name);
  return { controlPlane: has('control-plane'), queryApi: has('query-api'), ingest: has('ingest') };
}

export async function startService(
  names: readonly ServiceName[],
  config: ReadyConfig,
  logger: Logger,
): Promise<RunningService> {
  const runs = plan(names);
  if (names.includes('migrate')) {
    const stores = await openStores(config, logger, {
      clickhouse: true,
      postgres: true,
      redis: false,
      migrate: true,
    });
    await stores.close();
    return { urls: {}, stop: async () => {} };
  }
  const stores = await openStores(config, logger, {
    clickhouse: runs.queryApi || runs.ingest,
    postgres: true,
    redis: true,
    // The all-in-one owns its embedded stores, so it migrates them; split services expect the
    // one-shot `migrate` service to have run.
    migrate: names.includes('all'),
  });
  const { clickhouse, postgres, redis } = stores;
  if (!postgres || !redis) throw new Error('postgres and redis are required');
  const registry = new Registry();
  // Process metrics (resident memory, V8 heap and external memory, event-loop lag, GC) beside the
  // services' own: what an operator sizes the process by, and what the ingest bench reads to
  // tell the JavaScript side's memory from the embedded engine's.
  collectDefaultMetrics({ register: registry });
  const now = () => Date.now();
  const urls: Record<string, string> = {};
  let edge: Edge | undefined;
  let api: ServerType | undefined;
  try {
    if (runs.ingest) {
      if (!clickhouse) throw new Error('clickhouse is required for ingest');
      edge = await startEdge(
        { config, clickhouse, postgres, redis, logger: logger.child({ service: 'ingest' }), registry, now },
        { host: config.host, port: config.ingestPort },
      );
      urls.ingest = `http://localhost:${edge.port}`;
    }
    if (runs.controlPlane || runs.queryApi) {
      const app = new Hono();
      app.route('/', healthRoutes(readinessChecks(stores)));
      app.get('/metrics', async (c) =>
        c.text(await registry.metrics(), 200, { 'content-type': registry.contentType }),
      );
      const plane = runs.controlPlane
        ? createControlPlane({
            config,
            postgres,
            redis,
            logger: logger.child({ service: 'control-plane' }),
            now,
          })
        : undefined;
      const queryApi =
        runs.queryApi && clickhouse
          ? createQueryApi({
              clickhouse,
              postgres,
              redis,
              config,
              logger: logger.child({ service: 'query-api' }),
              now,
              metrics: registry,
            })
          : undefined;
      if (plane && queryApi) {
        // Served together, the two APIs publish one OpenAPI document.
        const combined = combinedOpenApi(plane.openApi(), queryApi.openApi());
        app.get(OPENAPI_PATH, (c) => c.json(combined));
      }
      if (queryApi) app.route('/', queryApi.app);
      if (plane) app.route('/', plane.app);
      app.onError(errorHandler(logger));
      app.notFound(notFoundHandler);
      api = await listen(app, config.host, config.port);
      urls.api = `http://localhost:${config.port}`;
    }
  } catch (error) {
    await edge?.close().catch(() => {});
    if (api) await closeServer(api);
    await stores.close();
    throw error;
  }
  return {
    urls,
    stop: async () => {
      if (api) await closeServer(api);
      await edge?.close();
      await stores.close();
    },
  };
}

function readinessChecks(stores: Stores): Record<string, DependencyCheck> {
  const checks: Record<string, DependencyCheck> = {};
  const { clickhouse, postgres, redis } = stores;
  if (clickhouse) checks.clickhouse = () => clickhouse.ping();
  if (postgres) checks.postgres = () => postgres.ping();
  if (redis) checks.redis = () => redis.ping();
  return checks;
}

function listen(app: Hono, hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}

// Open keep-alive sockets would hold close() forever; after this long they are cut.
const SERVER_CLOSE_GRACE_MS = 3_000;

function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      if ('closeAllConnections' in server) server.closeAllConnections();
    }, SERVER_CLOSE_GRACE_MS);
    if ('closeIdleConnections' in server) server.closeIdleConnections();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
