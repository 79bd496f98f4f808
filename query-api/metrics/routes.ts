import { Type } from '@sinclair/typebox';
import { MAX_METRIC_NAME_LENGTH, METRIC_NAME_PATTERN } from '../../control-plane/metric-configs/schemas.ts';
import { badRequest, notFound } from '../../runtime/errors/index.ts';
import { defineRoute, type Route } from '../../runtime/http/routes.ts';
import { principalOf, resolveApp } from '../auth/index.ts';
import type { QueryApiContext } from '../deps.ts';
import {
  AppId,
  cachedJson,
  cachedResponse,
  MAX_FILTER_VALUE_LENGTH,
  orBadRequest,
  Range,
  rangeQuery,
  readerScope,
  Sources,
  standardResponses,
} from '../execution/index.ts';
import { PROMETHEUS_CONTENT_TYPE, queryExposition } from './prometheus.ts';
import {
  AGGREGATIONS,
  AGGREGATIONS_BY_TYPE,
  type Aggregation,
  DEFAULT_STEP,
  MAX_LABEL_TERMS,
  MAX_SERIES,
  MAX_SERIES_POINTS,
  metricType,
  parseLabelFilter,
  parseStep,
  queryMetricSeries,
  STEP_PATTERN,
} from './series-query.ts';

const LabelName = Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$', maxLength: 100 });

const SeriesQuery = Type.Object(
  {
    appId: AppId,
    step: Type.Optional(
      Type.String({
        pattern: STEP_PATTERN,
        default: DEFAULT_STEP,
        description: 'Point spacing: 30s, 1m, 5m, 1h, 1d. Whole minutes read the per-minute rollup.',
      }),
    ),
    aggregation: Type.Optional(
      Type.Unsafe<Aggregation>({
        type: 'string',
        enum: [...AGGREGATIONS],
        description:
          'counter: rate (per second, default), increase, count; gauge: avg (default), min, max, last, sum, ' +
          'count; histogram: p95 (default), p50, p75, p90, p99, avg, min, max, sum, count, rate',
      }),
    ),
    label: Type.Optional(
      Type.Array(Type.String({ minLength: 2, maxLength: MAX_FILTER_VALUE_LENGTH + 101 }), {
        maxItems: MAX_LABEL_TERMS,
        description: 'Label filters name:value (repeat for several; all must match)',
      }),
    ),
    by: Type.Optional(
      Type.Array(LabelName, {
        maxItems: MAX_LABEL_TERMS,
        description: 'Split into one series per value of these labels',
      }),
    ),
    ...rangeQuery,
  },
  { additionalProperties: false },
);

const SeriesAnswer = Type.Object({
  range: Range,
  name: Type.String(),
  type: Type.String(),
  aggregation: Type.String(),
  stepSeconds: Type.Integer(),
  series: Type.Array(
    Type.Object({
      labels: Type.Record(Type.String(), Type.String()),
      points: Type.Array(
        Type.Object({ start: Type.String(), value: Type.Union([Type.Number(), Type.Null()]) }),
      ),
    }),
  ),
  sources: Sources,
});

export function metricRoutes(ctx: QueryApiContext): Route[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/analytics/metrics/prometheus',
        summary:
          "The app's custom metrics in Prometheus text format (scrape with a read key as a bearer token)",
        tag: 'metrics',
        security: 'ownerOrReadKey',
        query: Type.Object({ appId: AppId }, { additionalProperties: false }),
        responses: standardResponses({
          description: 'Prometheus text exposition format 0.0.4',
          schema: Type.String(),
          contentType: 'text/plain',
        }),
      },
      async (c, { query }) => {
        const app = await resolveApp(ctx, principalOf(c), query.appId);
        return cachedResponse(
          c,
          ctx.cache,
          { appId: app.appId, endpoint: 'prometheus', question: {}, contentType: PROMETHEUS_CONTENT_TYPE },
          () => queryExposition(ctx.clickhouse, ctx.postgres, app.appId),
        );
      },
    ),
    defineRoute(
      {
        method: 'get',
        path: '/api/analytics/metrics/:name/series',
        summary:
          'A custom metric over time: rate for counters, aggregates for gauges, quantiles for histograms',
        tag: 'metrics',
        security: 'ownerOrReadKey',
        params: Type.Object({
          name: Type.String({ pattern: METRIC_NAME_PATTERN, maxLength: MAX_METRIC_NAME_LENGTH }),
        }),
        query: SeriesQuery,
        responses: standardResponses({ description: 'Metric series', schema: SeriesAnswer }),
      },
      async (c, { params, query }) => {
        const stepSeconds = orBadRequest(parseStep(query.step ?? DEFAULT_STEP));
        const filters: Record<string, string> = {};
        for (const text of query.label ?? []) {
          const [label, value] = orBadRequest(parseLabelFilter(text));
          filters[label] = value;
        }
        const { app, range } = await readerScope(ctx, c, query.appId, query);
        if ((range.to - range.from) / (stepSeconds * 1000) > MAX_SERIES_POINTS) {
          throw badRequest(
            'too_many_points',
            `At most ${MAX_SERIES_POINTS} points per series; use a larger step`,
          );
        }
        const type = await metricType(ctx.clickhouse, app.appId, params.name);
        if (!type) throw notFound('metric_not_found', 'No samples of this metric were stored for this app');
        const allowed = AGGREGATIONS_BY_TYPE[type];
        const aggregation = query.aggregation ?? allowed[0] ?? 'count';
        if (!allowed.includes(aggregation)) {
          throw badRequest('invalid_aggregation', `A ${type} supports ${allowed.join(', ')}`);
        }
        const request = {
          appId: app.appId,
          name: params.name,
          range,
          stepSeconds,
          aggregation,
          filters,
          by: query.by ?? [],
        };
        return cachedJson(
          c,
          ctx.cache,
          { appId: app.appId, endpoint: 'metric_series', question: request },
          async () => {
            const answer = await queryMetricSeries(ctx.clickhouse, request, type);
            if (answer.series.length > MAX_SERIES) {
              throw badRequest(
                'too_many_series',
                `Splitting gives more than ${MAX_SERIES} series; filter or split by fewer labels`,
              );
            }
            return answer;
          },
        );
      },
    ),
  ];
}
