// What the console needs to know about this deployment before anyone signs in: whether to offer
// "Sign in with Google", where Grafana is, and which ingest URL the snippet and CSP point at.
// Only facts a visitor could learn from the page anyway; never a secret or a client id.
import { type Static, Type } from '@sinclair/typebox';
import { defineRoute, type Route } from '../../runtime/http/routes.ts';
import type { ControlPlaneDeps } from '../deps.ts';

export const ConsoleConfig = Type.Object({
  googleEnabled: Type.Boolean({ description: 'Whether /api/auth/google is configured' }),
  grafanaUrl: Type.Union([Type.String(), Type.Null()], { description: 'GRAFANA_URL, or null' }),
  ingestUrl: Type.String({ description: 'PUBLIC_INGEST_URL: where snippets send events' }),
});
export type ConsoleConfig = Static<typeof ConsoleConfig>;

export function consoleRoutes(deps: Pick<ControlPlaneDeps, 'config'>): Route[] {
  const { config } = deps;
  // Fixed for the life of the process: config is parsed once at start.
  const body: ConsoleConfig = {
    googleEnabled: Boolean(config.oidc.clientId && config.oidc.clientSecret),
    grafanaUrl: config.grafanaUrl ?? null,
    ingestUrl: config.publicIngestUrl,
  };
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/console/config',
        summary: 'What the web console needs before sign-in: Google sign-in, Grafana URL, ingest URL',
        tag: 'console',
        security: 'none',
        responses: { 200: { description: 'Console settings', schema: ConsoleConfig } },
      },
      (c) => {
        // Changes only with a restart; revalidating on each load keeps a redeploy visible at once.
        c.header('cache-control', 'no-cache');
        return c.json(body);
      },
    ),
  ];
}
