import { Type } from '@sinclair/typebox';
import { defineRoute, type Route } from '../../runtime/http/routes.ts';
import type { QueryApiContext } from '../deps.ts';
import {
  AppId,
  cachedJson,
  orBadRequest,
  Range,
  rangeQuery,
  readerScope,
  standardResponses,
} from '../execution/index.ts';
import {
  DEFAULT_ACTIVITY_LIMIT,
  decodeCursor,
  MAX_ACTIVITY_LIMIT,
  MAX_USER_ID_LENGTH,
  queryUser,
} from './user-query.ts';

// Cursors are base64url of a timestamp and a UUID: about 70 characters; more is not ours.
const MAX_CURSOR_LENGTH = 128;

const Used = Type.Object({ value: Type.String(), events: Type.Integer(), lastSeen: Type.String() });

const UserAnswer = Type.Object({
  range: Range,
  userId: Type.String(),
  firstSeen: Type.Union([Type.String(), Type.Null()], { description: 'null when not seen in the range' }),
  lastSeen: Type.Union([Type.String(), Type.Null()]),
  events: Type.Integer(),
  sessions: Type.Integer(),
  eventTypes: Type.Array(Type.Object({ eventType: Type.String(), events: Type.Integer() })),
  devices: Type.Array(Used),
  browsers: Type.Array(Used),
  os: Type.Array(Used),
  recentSessions: Type.Array(
    Type.Object({
      sessionId: Type.String(),
      start: Type.String(),
      end: Type.String(),
      events: Type.Integer(),
      pageviews: Type.Integer(),
      durationSeconds: Type.Number(),
    }),
  ),
  activity: Type.Object({
    items: Type.Array(
      Type.Object({
        eventId: Type.String(),
        ts: Type.String(),
        eventType: Type.String(),
        name: Type.String(),
        sessionId: Type.String(),
        path: Type.String(),
        url: Type.String(),
        referrerDomain: Type.String(),
        properties: Type.Unknown(),
      }),
    ),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page' }),
  }),
});

export function userRoutes(ctx: QueryApiContext): Route[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/analytics/users/:userId',
        summary:
          "A visitor's first/last seen, counts by type, devices, browsers, sessions and paginated activity",
        tag: 'analytics',
        security: 'ownerOrReadKey',
        params: Type.Object({
          userId: Type.String({
            minLength: 1,
            maxLength: MAX_USER_ID_LENGTH,
            description: 'The identified user id, or the anonymous id of a visitor who never identified',
          }),
        }),
        query: Type.Object(
          {
            appId: AppId,
            limit: Type.Optional(
              Type.Integer({ minimum: 1, maximum: MAX_ACTIVITY_LIMIT, default: DEFAULT_ACTIVITY_LIMIT }),
            ),
            cursor: Type.Optional(
              Type.String({ minLength: 1, maxLength: MAX_CURSOR_LENGTH, pattern: '^[A-Za-z0-9_-]+$' }),
            ),
            ...rangeQuery,
          },
          { additionalProperties: false },
        ),
        responses: standardResponses({ description: 'User profile and activity', schema: UserAnswer }),
      },
      async (c, { params, query }) => {
        const after = query.cursor === undefined ? undefined : orBadRequest(decodeCursor(query.cursor));
        const { app, range } = await readerScope(ctx, c, query.appId, query);
        const request = {
          appId: app.appId,
          userId: params.userId,
          range,
          limit: query.limit ?? DEFAULT_ACTIVITY_LIMIT,
          after,
        };
        return cachedJson(c, ctx.cache, { appId: app.appId, endpoint: 'user', question: request }, () =>
          queryUser(ctx.clickhouse, request),
        );
      },
    ),
  ];
}
