import { Type } from '@sinclair/typebox';
import { defineRoute, type Route } from '../../runtime/http/routes.ts';
import type { QueryApiContext } from '../deps.ts';
import {
  AppId,
  BreakdownRow,
  cachedJson,
  Range,
  rangeQuery,
  readerScope,
  Sources,
  standardResponses,
} from '../execution/index.ts';
import { queryOverview } from './overview-query.ts';

const Compared = (description: string) =>
  Type.Object({ current: Type.Number(), previous: Type.Number() }, { description });

const OverviewAnswer = Type.Object({
  range: Range,
  previousRange: Range,
  metrics: Type.Object({
    events: Compared('Events'),
    pageviews: Compared('Page views'),
    uniqueUsers: Compared('Distinct visitors'),
    sessions: Compared(
      "Sessions that started in the period; a session is a session id's events within one UTC day",
    ),
    bounceRate: Compared('Share (0..1) of those sessions with a single event'),
    avgSessionDurationSeconds: Compared('Mean time from first to last event of those sessions'),
  }),
  topPages: Type.Array(BreakdownRow, { description: 'Top paths by page views (no "other" row)' }),
  topReferrers: Type.Array(BreakdownRow, {
    description: 'Top referrer domains by page views; "" = none (no "other" row)',
  }),
  browsers: Type.Array(BreakdownRow),
  os: Type.Array(BreakdownRow),
  devices: Type.Array(BreakdownRow),
  countries: Type.Array(BreakdownRow),
  sources: Sources,
});

export function overviewRoutes(ctx: QueryApiContext): Route[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/analytics/apps/:appId/overview',
        summary: 'Headline numbers, top pages and referrers and breakdowns, each with the previous period',
        tag: 'analytics',
        security: 'ownerOrReadKey',
        params: Type.Object({ appId: AppId }),
        query: Type.Object({ ...rangeQuery }, { additionalProperties: false }),
        responses: standardResponses({ description: 'Overview', schema: OverviewAnswer }),
      },
      async (c, { params, query }) => {
        const { app, range } = await readerScope(ctx, c, params.appId, query);
        const request = { appId: app.appId, range };
        return cachedJson(c, ctx.cache, { appId: app.appId, endpoint: 'overview', question: request }, () =>
          queryOverview(ctx.clickhouse, request),
        );
      },
    ),
  ];
}
