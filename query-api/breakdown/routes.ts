import { Type } from '@sinclair/typebox';
import { badRequest } from '../../runtime/errors/index.ts';
import { defineRoute, type Route } from '../../runtime/http/routes.ts';
import type { QueryApiContext } from '../deps.ts';
import {
  AppId,
  BreakdownRow,
  cachedJson,
  EventTypeFilter,
  Range,
  rangeAnswer,
  rangeQuery,
  readerScope,
  Sources,
  standardResponses,
} from '../execution/index.ts';
import {
  DIMENSION_NAMES,
  type Dimension,
  type DimensionName,
  describePlan,
  dimensionLabel,
  MAX_METADATA_KEY_LENGTH,
  MAX_METADATA_PATH_SEGMENTS,
} from '../planner/index.ts';
import { DEFAULT_BREAKDOWN_LIMIT, MAX_BREAKDOWN_LIMIT, queryBreakdown } from './breakdown-query.ts';

const BreakdownQuery = Type.Object(
  {
    appId: AppId,
    dimension: Type.Unsafe<DimensionName>({
      type: 'string',
      enum: [...DIMENSION_NAMES],
      description: 'What to group by; metadata groups by a key of the event properties (see key)',
    }),
    key: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: MAX_METADATA_KEY_LENGTH,
        description: `With dimension=metadata: the property key; dots reach into nested objects (at most ${MAX_METADATA_PATH_SEGMENTS} levels)`,
      }),
    ),
    eventType: Type.Optional(EventTypeFilter),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_BREAKDOWN_LIMIT, default: DEFAULT_BREAKDOWN_LIMIT }),
    ),
    ...rangeQuery,
  },
  { additionalProperties: false },
);

const BreakdownAnswer = Type.Object({
  range: Range,
  dimension: Type.String(),
  rows: Type.Array(BreakdownRow, { description: 'Top values by events (ties by value), then "other"' }),
  totals: Type.Object({ events: Type.Integer() }),
  sources: Sources,
});

/** The dimension a request names, with its metadata path checked. */
export function requestedDimension(name: DimensionName, key: string | undefined): Dimension {
  if (name !== 'metadata') {
    if (key !== undefined) throw badRequest('invalid_dimension', 'key is only used with dimension=metadata');
    return { name };
  }
  if (key === undefined) throw badRequest('invalid_dimension', 'dimension=metadata needs a key');
  const path = key.split('.');
  if (path.length > MAX_METADATA_PATH_SEGMENTS || path.some((segment) => segment === '')) {
    throw badRequest(
      'invalid_dimension',
      `key must be 1 to ${MAX_METADATA_PATH_SEGMENTS} non-empty segments separated by dots`,
    );
  }
  return { name, metadataPath: path };
}

export function breakdownRoutes(ctx: QueryApiContext): Route[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/analytics/breakdown',
        summary:
          'Top values of a dimension (browser, os, device, path, referrer, UTM, event name, metadata key) with an "other" row',
        tag: 'analytics',
        security: 'ownerOrReadKey',
        query: BreakdownQuery,
        responses: standardResponses({ description: 'Breakdown', schema: BreakdownAnswer }),
      },
      async (c, { query }) => {
        const dimension = requestedDimension(query.dimension, query.key);
        const { app, range } = await readerScope(ctx, c, query.appId, query);
        const request = {
          appId: app.appId,
          range,
          dimensions: [dimension],
          eventType: query.eventType,
          limit: query.limit ?? DEFAULT_BREAKDOWN_LIMIT,
        };
        return cachedJson(
          c,
          ctx.cache,
          { appId: app.appId, endpoint: 'breakdown', question: request },
          async () => {
            const answer = await queryBreakdown(ctx.clickhouse, request);
            const label = dimensionLabel(dimension);
            const rows = answer.rows.get(label) ?? [];
            return {
              range: rangeAnswer(range),
              dimension: label,
              rows,
              totals: { events: rows.reduce((sum, row) => sum + row.events, 0) },
              sources: { rows: describePlan(answer.plan) },
            };
          },
        );
      },
    ),
  ];
}
