// The query API: read-only analytics over ClickHouse for owners (control-plane JWT) and server
// keys with the read scope. Each question is answered from a rollup when it fits, else from the
// raw table (planner/), cached per app until the next ingest flush (cache/), rate limited per
// owner, and described in an OpenAPI 3.1 document. It must never write to ClickHouse or
// Postgres (every statement runs with readonly = 2), never put a request value into SQL text
// (values are bound parameters, dimensions come from an allow-list), and never answer about an
// app the caller does not own (404, as for a missing app).
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { Registry } from 'prom-client';
import { errorHandler, notFoundHandler, requestLog } from '../runtime/http/index.ts';
import { buildOpenApi, mergeOpenApi } from '../runtime/http/openapi.ts';
import { mountRoutes, type Route } from '../runtime/http/routes.ts';
import { DEFAULT_RATE_LIMIT, type RateLimit, requireReader } from './auth/index.ts';
import { breakdownRoutes } from './breakdown/index.ts';
import { createQueryCache } from './cache/index.ts';
import type { QueryApiContext, QueryApiDeps } from './deps.ts';
import { exportRoutes } from './export/index.ts';
import { funnelRoutes } from './funnels/index.ts';
import { metricRoutes } from './metrics/index.ts';
import { overviewRoutes } from './overview/index.ts';
import { retentionRoutes } from './retention/index.ts';
import { summaryRoutes } from './summary/index.ts';
import { timelineRoutes } from './timeline/index.ts';
import { userRoutes } from './users/index.ts';

export { bumpAppGenerations } from './cache/index.ts';
export type { QueryApiContext, QueryApiDeps } from './deps.ts';

export const OPENAPI_PATH = '/api-docs/openapi.json';
const API_VERSION = '1.0.0';
// Browsers may cache a CORS preflight this long; ten minutes is the common default.
const CORS_MAX_AGE_SECONDS = 600;

export interface QueryApiOptions extends QueryApiDeps {
  /** Where the cache hit ratio and counters are registered (never prom-client's global registry). */
  metrics: Registry;
  /** Per-owner query rate; defaults to DEFAULT_RATE_LIMIT (benchmarks raise it). */
  rateLimit?: RateLimit;
}

export interface QueryApi {
  app: Hono;
  routes: Route[];
  openApi: () => Record<string, unknown>;
}

export function createQueryApi(options: QueryApiOptions): QueryApi {
  const { metrics, rateLimit = DEFAULT_RATE_LIMIT, ...deps } = options;
  const cache = createQueryCache({
    redis: deps.redis,
    ttlSeconds: deps.config.cache.queryTtlSeconds,
    metrics,
    logger: deps.logger,
  });
  const ctx: QueryApiContext = { ...deps, cache };
  const routes = [
    ...summaryRoutes(ctx),
    ...timelineRoutes(ctx),
    ...userRoutes(ctx),
    ...overviewRoutes(ctx),
    ...breakdownRoutes(ctx),
    ...funnelRoutes(ctx),
    ...retentionRoutes(ctx),
    ...metricRoutes(ctx),
    ...exportRoutes(ctx),
  ];
  const app = new Hono();
  app.use('/api/*', requestLog(deps.logger));
  app.use(
    '/api/*',
    cors({
      origin: (origin) => (deps.config.corsOrigins.includes(origin) ? origin : null),
      allowHeaders: ['Authorization', 'X-API-Key'],
      allowMethods: ['GET'],
      exposeHeaders: ['X-Cache', 'Retry-After'],
      maxAge: CORS_MAX_AGE_SECONDS,
    }),
  );
  mountRoutes(app, routes, { ownerOrReadKey: requireReader(deps, rateLimit) });
  // The routes are fixed once built, so the document is built once, on first request.
  let document: Record<string, unknown> | undefined;
  const openApi = () =>
    (document ??= buildOpenApi({ title: 'clickstream query API', version: API_VERSION }, routes));
  app.get(OPENAPI_PATH, (c) => c.json(openApi()));
  app.onError(errorHandler(deps.logger));
  app.notFound(notFoundHandler);
  return { app, routes, openApi };
}

/** One document for the control plane and the query API when one server serves both. */
export function combinedOpenApi(...documents: Record<string, unknown>[]): Record<string, unknown> {
  return mergeOpenApi({ title: 'clickstream API', version: API_VERSION }, ...documents);
}
