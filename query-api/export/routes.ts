import { Type } from '@sinclair/typebox';
import { defineRoute, type Route } from '../../runtime/http/routes.ts';
import type { QueryApiContext } from '../deps.ts';
import {
  AppId,
  dayParam,
  MAX_FILTER_VALUE_LENGTH,
  rangeQuery,
  readerScope,
  standardResponses,
} from '../execution/index.ts';
import {
  EXPORT_FORMATS,
  type ExportFormat,
  FORMATS,
  MAX_EXPORT_EVENT_TYPES,
  MAX_EXPORT_ROWS,
  streamExport,
} from './export-events.ts';

const ExportQuery = Type.Object(
  {
    appId: AppId,
    format: Type.Optional(
      Type.Unsafe<ExportFormat>({ type: 'string', enum: [...EXPORT_FORMATS], default: 'ndjson' }),
    ),
    eventTypes: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: MAX_FILTER_VALUE_LENGTH }), {
        maxItems: MAX_EXPORT_EVENT_TYPES,
        description: 'Only these event types; repeat the parameter or separate with commas',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EXPORT_ROWS, default: MAX_EXPORT_ROWS })),
    ...rangeQuery,
  },
  { additionalProperties: false },
);

export function exportRoutes(ctx: QueryApiContext): Route[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/analytics/export',
        summary: 'Stream raw events as CSV, NDJSON or Parquet',
        tag: 'analytics',
        security: 'ownerOrReadKey',
        query: ExportQuery,
        responses: standardResponses({
          description: 'The events, streamed; ordered by UTC day, event type, name and time',
          schema: Type.String({ format: 'binary' }),
          contentType: 'application/octet-stream',
        }),
      },
      async (c, { query }) => {
        const { app, range } = await readerScope(ctx, c, query.appId, query);
        const format = query.format ?? 'ndjson';
        const eventTypes = [...new Set((query.eventTypes ?? []).flatMap((value) => value.split(',')))].filter(
          (value) => value !== '',
        );
        const body = await streamExport(ctx.clickhouse, {
          appId: app.appId,
          range,
          format,
          eventTypes,
          limit: query.limit ?? MAX_EXPORT_ROWS,
        });
        const { contentType, extension } = FORMATS[format];
        const filename = `events-${app.appId}-${dayParam(range.from)}-${dayParam(range.to)}.${extension}`;
        return c.body(body, 200, {
          'content-type': contentType,
          'content-disposition': `attachment; filename="${filename}"`,
          'cache-control': 'no-store',
        });
      },
    ),
  ];
}
