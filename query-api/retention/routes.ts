import { Type } from '@sinclair/typebox';
import { badRequest } from '../../runtime/errors/index.ts';
import { defineRoute, type Route } from '../../runtime/http/routes.ts';
import type { QueryApiContext } from '../deps.ts';
import {
  AppId,
  cachedJson,
  Range,
  rangeQuery,
  readerScope,
  Sources,
  standardResponses,
} from '../execution/index.ts';
import {
  COHORT_UNITS,
  type CohortUnit,
  cohortStarts,
  DEFAULT_RANGE_BY_UNIT,
  MAX_COHORTS,
  queryRetention,
} from './retention-query.ts';

const RetentionAnswer = Type.Object({
  range: Range,
  cohort: Type.String(),
  cohorts: Type.Array(
    Type.Object({
      cohort: Type.String({ description: 'First local date of the cohort (YYYY-MM-DD)' }),
      size: Type.Integer({ description: 'Visitors first seen in this period' }),
      retained: Type.Array(Type.Integer(), { description: 'Active visitors k periods later (k = index)' }),
      rates: Type.Array(Type.Number()),
    }),
  ),
  sources: Sources,
});

export function retentionRoutes(ctx: QueryApiContext): Route[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/analytics/retention',
        summary: 'Retention matrix of cohorts by first-seen day or week',
        tag: 'analytics',
        security: 'ownerOrReadKey',
        query: Type.Object(
          {
            appId: AppId,
            cohort: Type.Optional(
              Type.Unsafe<CohortUnit>({
                type: 'string',
                enum: [...COHORT_UNITS],
                default: 'week',
                description: `Cohort size (default range: ${DEFAULT_RANGE_BY_UNIT.day} for day, ${DEFAULT_RANGE_BY_UNIT.week} for week)`,
              }),
            ),
            ...rangeQuery,
          },
          { additionalProperties: false },
        ),
        responses: standardResponses({ description: 'Retention matrix', schema: RetentionAnswer }),
      },
      async (c, { query }) => {
        const cohort = query.cohort ?? 'week';
        const input = {
          startDate:
            query.startDate ?? (query.endDate === undefined ? DEFAULT_RANGE_BY_UNIT[cohort] : undefined),
          endDate: query.endDate,
        };
        const { app, range } = await readerScope(ctx, c, query.appId, input);
        const starts = cohortStarts(range, cohort);
        if (!starts) {
          throw badRequest(
            'too_many_cohorts',
            `At most ${MAX_COHORTS[cohort]} ${cohort} cohorts fit in one matrix`,
          );
        }
        const request = { appId: app.appId, range, cohort };
        return cachedJson(c, ctx.cache, { appId: app.appId, endpoint: 'retention', question: request }, () =>
          queryRetention(ctx.clickhouse, request, starts),
        );
      },
    ),
  ];
}
