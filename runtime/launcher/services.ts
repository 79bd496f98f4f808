import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Registry } from 'prom-client';
import { createControlPlane } from '../../control-plane/index.ts';
import { type Edge, startEdge } from '../../ingest/index.ts';
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

const runs = {
  controlPlane: (name: ServiceName) => name === 'all' || name === 'control-plane',
  queryApi: (name: ServiceName) => name === 'all' || name === 'query-api',
  ingest: (name: ServiceName) => name === 'all' || name === 'ingest',
};

export async function startService(
  name: ServiceName,
  config: ReadyConfig,
  logger: Logger,
): Promise<RunningService> {
  if (name === 'migrate') {
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
    clickhouse: name !== 'control-plane',
    postgres: true,
    redis: true,
    // The all-in-one owns its embedded stores, so it migrates them; split services expect the
    // one-shot `migrate` service to have run.
    migrate: name === 'all',
  });
  const { clickhouse, postgres, redis } = stores;
  if (!postgres || !redis) throw new Error('postgres and redis are required');
  const registry = new Registry();
  const now = () => Date.now();
  const urls: Record<string, string> = {};
  let edge: Edge | undefined;
  let api: ServerType | undefined;
  try {
    if (runs.ingest(name)) {
      if (!clickhouse) throw new Error('clickhouse is required for ingest');
      edge = await startEdge(
        { config, clickhouse, postgres, redis, logger: logger.child({ service: 'ingest' }), registry, now },
        { host: config.host, port: config.ingestPort },
      );
      urls.ingest = `http://localhost:${edge.port}`;
    }
    if (name !== 'ingest') {
      const app = new Hono();
      app.route('/', healthRoutes(readinessChecks(stores)));
      app.get('/metrics', async (c) =>
        c.text(await registry.metrics(), 200, { 'content-type': registry.contentType }),
      );
      if (runs.controlPlane(name)) {
        const plane = createControlPlane({
          config,
          postgres,
          redis,
          logger: logger.child({ service: 'control-plane' }),
          now,
        });
        app.route('/', plane.app);
      }
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
