import { Type } from '@sinclair/typebox';
import { ErrorResponse } from '../../runtime/http/openapi.ts';
import { defineRoute, type Route } from '../../runtime/http/routes.ts';
import { getOwnedApp } from '../apps/repository.ts';
import { ownerOf } from '../auth/middleware.ts';
import type { ControlPlaneDeps } from '../deps.ts';
import { listEnabledMetricConfigs } from '../metric-configs/index.ts';
import { resolveSnippetKey } from './browser-key.ts';
import { renderSnippet } from './render-snippet.ts';

const SnippetParams = Type.Object({ appId: Type.String({ format: 'uuid' }) });
const SnippetQuery = Type.Object({
  format: Type.Optional(
    Type.Unsafe<'html' | 'json'>({
      type: 'string',
      enum: ['html', 'json'],
      default: 'html',
      description: 'html (default): the snippet itself; json: { html, config, browserKey } for tooling',
    }),
  ),
  keyId: Type.Optional(
    Type.String({
      format: 'uuid',
      description: "A browser key of this app (default: the app's newest active one)",
    }),
  ),
});

export function snippetRoutes(deps: ControlPlaneDeps): Route[] {
  const { postgres, config } = deps;
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/apps/:appId/snippet',
        summary:
          "The app's tracking snippet: loads the tracker asynchronously, configured with a browser key, " +
          'the ingest URL, Do Not Track handling and the enabled metric configs',
        tag: 'snippet',
        security: 'owner',
        params: SnippetParams,
        query: SnippetQuery,
        responses: {
          200: {
            description:
              'The snippet (text/html). With format=json: { html, config, browserKey: { id, display, embedded } }',
            schema: Type.String(),
            contentType: 'text/html',
          },
          400: ErrorResponse,
          404: ErrorResponse,
          409: ErrorResponse,
        },
      },
      async (c, { params, query }) => {
        const owner = ownerOf(c);
        const app = await getOwnedApp(postgres, owner.userId, params.appId);
        const key = await resolveSnippetKey(postgres, {
          secret: config.apiKeySecret,
          ownerId: owner.userId,
          appId: app.id,
          keyId: query.keyId,
          now: deps.now(),
        });
        const metrics = await listEnabledMetricConfigs(postgres, app.id);
        const snippet = renderSnippet({
          browserKey: key.raw,
          browserKeyDisplay: key.display,
          publicIngestUrl: config.publicIngestUrl,
          respectDnt: app.respectDnt,
          metrics,
        });
        // Owner-only content behind a bearer token: never worth keeping in a shared cache.
        c.header('Cache-Control', 'no-store');
        if (query.format === 'json') {
          return c.json({
            html: snippet.html,
            config: snippet.config,
            browserKey: { id: key.id, display: key.display, embedded: key.raw !== null },
          });
        }
        return c.html(snippet.html);
      },
    ),
  ];
}
