import { Type } from '@sinclair/typebox';
import { badRequest } from '../../runtime/errors/index.ts';
import { defineRoute, type Route } from '../../runtime/http/routes.ts';
import type { QueryApiContext } from '../deps.ts';
import {
  AppId,
  cachedJson,
  EventTypeFilter,
  Range,
  rangeQuery,
  readerScope,
  Sources,
  standardResponses,
} from '../execution/index.ts';
import {
  INTERVALS,
  type Interval,
  MAX_TIMELINE_BUCKETS,
  queryTimeline,
  timelineBuckets,
} from './timeline-query.ts';

const TimelineQuery = Type.Object(
  {
    appId: AppId,
    interval: Type.Optional(
      Type.Unsafe<Interval>({
        type: 'string',
        enum: [...INTERVALS],
        default: 'day',
        description: 'Bucket size, cut in the app time zone (weeks start on Monday)',
      }),
    ),
    eventType: Type.Optional(EventTypeFilter),
    ...rangeQuery,
  },
  { additionalProperties: false },
);

const TimelineAnswer = Type.Object({
  range: Range,
  interval: Type.String(),
  buckets: Type.Array(
    Type.Object({
      start: Type.String({ description: 'Bucket start, RFC 3339 with the app time zone offset' }),
      events: Type.Integer(),
      uniqueUsers: Type.Integer({ description: 'Distinct visitors within this bucket' }),
      sessions: Type.Integer({ description: 'Distinct sessions with an event in this bucket' }),
    }),
    { description: `Every bucket of the range, zero-filled; at most ${MAX_TIMELINE_BUCKETS}` },
  ),
  sources: Sources,
});

export function timelineRoutes(ctx: QueryApiContext): Route[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/analytics/events/timeline',
        summary: 'Events, unique users and sessions per minute, hour, day, week or month (zero-filled)',
        tag: 'analytics',
        security: 'ownerOrReadKey',
        query: TimelineQuery,
        responses: standardResponses({ description: 'Timeline', schema: TimelineAnswer }),
      },
      async (c, { query }) => {
        const { app, range } = await readerScope(ctx, c, query.appId, query);
        const interval = query.interval ?? 'day';
        const buckets = timelineBuckets(range, interval);
        if (!buckets) {
          throw badRequest(
            'too_many_buckets',
            `A ${interval} timeline of this range has more than ${MAX_TIMELINE_BUCKETS} buckets; use a larger interval or a shorter range`,
          );
        }
        const request = { appId: app.appId, range, interval, eventType: query.eventType };
        return cachedJson(c, ctx.cache, { appId: app.appId, endpoint: 'timeline', question: request }, () =>
          queryTimeline(ctx.clickhouse, request, buckets),
        );
      },
    ),
  ];
}
