import { Type } from '@sinclair/typebox';
import { defineRoute, type Route } from '../../runtime/http/routes.ts';
import type { QueryApiContext } from '../deps.ts';
import {
  AppId,
  cachedJson,
  MAX_FILTER_VALUE_LENGTH,
  orBadRequest,
  Range,
  rangeQuery,
  readerScope,
  Sources,
  standardResponses,
} from '../execution/index.ts';
import {
  DEFAULT_WINDOW,
  MAX_FUNNEL_STEPS,
  MIN_FUNNEL_STEPS,
  parseStep,
  parseWindow,
  queryFunnel,
  WINDOW_PATTERN,
} from './funnel-query.ts';

const FunnelQuery = Type.Object(
  {
    appId: AppId,
    steps: Type.Array(
      Type.String({
        minLength: 1,
        // Room for the "path:" prefix on a filter value of the usual maximum length.
        maxLength: MAX_FILTER_VALUE_LENGTH + 5,
        description: 'type:<event type>, name:<event name>, path:<page path>, or a bare event type or name',
      }),
      {
        minItems: MIN_FUNNEL_STEPS,
        maxItems: MAX_FUNNEL_STEPS,
        description: 'The ordered steps; repeat the parameter (steps=a&steps=b)',
      },
    ),
    window: Type.Optional(
      Type.String({
        pattern: WINDOW_PATTERN,
        default: DEFAULT_WINDOW,
        description: 'Conversion window from the first step: 30m, 2h, 7d (at most 30d)',
      }),
    ),
    ...rangeQuery,
  },
  { additionalProperties: false },
);

const FunnelAnswer = Type.Object({
  range: Range,
  windowSeconds: Type.Integer(),
  steps: Type.Array(
    Type.Object({
      step: Type.Integer(),
      field: Type.String(),
      value: Type.String(),
      users: Type.Integer({
        description: 'Distinct visitors who reached this step in order within the window',
      }),
      conversionFromPrevious: Type.Number(),
      conversionFromStart: Type.Number(),
    }),
  ),
  sources: Sources,
});

export function funnelRoutes(ctx: QueryApiContext): Route[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/analytics/funnels',
        summary: 'Visitors and conversion per ordered step within a conversion window (windowFunnel)',
        tag: 'analytics',
        security: 'ownerOrReadKey',
        query: FunnelQuery,
        responses: standardResponses({ description: 'Funnel', schema: FunnelAnswer }),
      },
      async (c, { query }) => {
        const windowSeconds = orBadRequest(parseWindow(query.window ?? DEFAULT_WINDOW));
        const steps = query.steps.map(parseStep);
        const { app, range } = await readerScope(ctx, c, query.appId, query);
        const request = { appId: app.appId, range, steps, windowSeconds };
        return cachedJson(c, ctx.cache, { appId: app.appId, endpoint: 'funnel', question: request }, () =>
          queryFunnel(ctx.clickhouse, request),
        );
      },
    ),
  ];
}
