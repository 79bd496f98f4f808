import { Type } from '@sinclair/typebox';
import { defineRoute, type Route } from '../../runtime/http/routes.ts';
import type { QueryApiContext } from '../deps.ts';
import {
  AppId,
  BreakdownRow,
  cachedJson,
  EventTypeFilter,
  Range,
  rangeQuery,
  readerScope,
  Sources,
  standardResponses,
} from '../execution/index.ts';
import { querySummary } from './summary-query.ts';

const Totals = Type.Object({
  events: Type.Integer(),
  uniqueUsers: Type.Integer(),
  sessions: Type.Integer({ description: 'Sessions with at least one event in the range' }),
});

const SummaryAnswer = Type.Object({
  range: Range,
  totals: Totals,
  eventTypes: Type.Array(Type.Intersect([Type.Object({ eventType: Type.String() }), Totals])),
  devices: Type.Array(BreakdownRow),
  browsers: Type.Array(BreakdownRow),
  os: Type.Array(BreakdownRow),
  sources: Sources,
});

export function summaryRoutes(ctx: QueryApiContext): Route[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/analytics/events/summary',
        summary: 'Totals per event type, unique users, sessions, and device/browser/OS breakdowns',
        tag: 'analytics',
        security: 'ownerOrReadKey',
        query: Type.Object(
          { appId: AppId, eventType: Type.Optional(EventTypeFilter), ...rangeQuery },
          { additionalProperties: false },
        ),
        responses: standardResponses({ description: 'Summary', schema: SummaryAnswer }),
      },
      async (c, { query }) => {
        const { app, range } = await readerScope(ctx, c, query.appId, query);
        const request = { appId: app.appId, range, eventType: query.eventType };
        return cachedJson(c, ctx.cache, { appId: app.appId, endpoint: 'summary', question: request }, () =>
          querySummary(ctx.clickhouse, request),
        );
      },
    ),
  ];
}
