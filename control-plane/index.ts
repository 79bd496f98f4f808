// The control plane: owners, sign-in, apps, API keys, metric configs and snippets over Postgres,
// as one Hono app the launcher mounts (all-in-one) or serves alone. It never touches ClickHouse
// and never returns a raw key except in the response that created it.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { HttpError } from '../runtime/errors/index.ts';
import { errorHandler, notFoundHandler, requestLog } from '../runtime/http/index.ts';
import { buildOpenApi } from '../runtime/http/openapi.ts';
import { mountRoutes, type Route } from '../runtime/http/routes.ts';
import { mountApiDocs } from './api-docs/index.ts';
import { appRoutes } from './apps/index.ts';
import { authRoutes, requireOwner } from './auth/index.ts';
import { consoleRoutes, mountConsole } from './console/index.ts';
import type { ControlPlaneDeps } from './deps.ts';
import { keyRoutes } from './keys/index.ts';
import { metricConfigRoutes } from './metric-configs/index.ts';
import { oidcRoutes } from './oidc/index.ts';
import { snippetRoutes } from './snippet/index.ts';

export type { ControlPlaneDeps } from './deps.ts';

// Control-plane bodies are small JSON documents; 64 KiB is generous and bounds parsing work.
const MAX_BODY_BYTES = 64 * 1024;
// HSTS for a year once served over HTTPS, per common preload guidance.
const HSTS_MAX_AGE_SECONDS = 31_536_000;

export interface ControlPlane {
  app: Hono;
  routes: Route[];
  openApi: () => Record<string, unknown>;
}

export function createControlPlane(deps: ControlPlaneDeps): ControlPlane {
  const routes = [
    ...authRoutes(deps),
    ...oidcRoutes(deps),
    ...appRoutes(deps),
    ...keyRoutes(deps),
    ...metricConfigRoutes(deps),
    ...snippetRoutes(deps),
    ...consoleRoutes(deps),
  ];
  const app = new Hono();
  app.use('*', securityHeaders(deps));
  app.use('/api/*', requestLog(deps.logger));
  app.use(
    '/api/*',
    cors({
      origin: (origin) => (deps.config.corsOrigins.includes(origin) ? origin : null),
      allowHeaders: ['Authorization', 'Content-Type'],
      allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      maxAge: 600,
    }),
  );
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new HttpError(413, 'body_too_large', `Request body exceeds ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );
  mountRoutes(app, routes, { owner: requireOwner(deps) });
  // The routes are fixed once built, so the document is built once, on first request.
  let document: Record<string, unknown> | undefined;
  const openApi = () =>
    (document ??= buildOpenApi({ title: 'clickstream control plane', version: '1.0.0' }, routes));
  app.get('/api-docs/openapi.json', (c) => c.json(openApi()));
  mountApiDocs(app, openApi);
  // Last: the console answers page paths that no route above claimed.
  mountConsole(app, deps);
  app.onError(errorHandler(deps.logger));
  app.notFound(notFoundHandler);
  return { app, routes, openApi };
}

function securityHeaders(deps: ControlPlaneDeps) {
  const strict = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'", deps.config.publicIngestUrl],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      objectSrc: ["'none'"],
    },
    xFrameOptions: 'DENY',
    xContentTypeOptions: 'nosniff',
    referrerPolicy: 'strict-origin-when-cross-origin',
    // Set per request below: only when the client reached us over HTTPS.
    strictTransportSecurity: false,
  });
  return async (c: Parameters<Parameters<Hono['use']>[1]>[0], next: () => Promise<void>) => {
    await strict(c, next);
    const proto = deps.config.trustProxy
      ? c.req.header('x-forwarded-proto')
      : new URL(c.req.url).protocol.slice(0, -1);
    if (proto === 'https')
      c.header('Strict-Transport-Security', `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`);
  };
}
