// Raw events out as CSV, NDJSON or Parquet, streamed: ClickHouse produces the format and each
// chunk goes to the client as the client takes it (the stream is pulled, so a slow reader slows
// the query instead of growing a buffer). The first chunk is read before the response starts,
// so a query that fails at once still gets a proper error status.
import type { ClickHouse } from '../../clickhouse/index.ts';
import { EXPORT_MAX_EXECUTION_SECONDS, INSTANT, instantParam, mapEngineError } from '../execution/index.ts';
import type { TimeRange } from '../time-range/index.ts';

export const EXPORT_FORMATS = ['csv', 'ndjson', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const FORMATS: Readonly<
  Record<ExportFormat, { clickhouse: string; contentType: string; extension: string }>
> = {
  csv: { clickhouse: 'CSVWithNames', contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  ndjson: { clickhouse: 'JSONEachRow', contentType: 'application/x-ndjson', extension: 'ndjson' },
  parquet: { clickhouse: 'Parquet', contentType: 'application/vnd.apache.parquet', extension: 'parquet' },
};

// Ten million rows is a few GB of CSV: beyond that, an export is a backup and belongs in
// ClickHouse's own tools. Clients page by time range for more.
export const MAX_EXPORT_ROWS = 10_000_000;
// One chunk of the stream is one ClickHouse block: 8,192 rows is a few MB of CSV, small enough
// to hold per open export and large enough that per-chunk overhead does not matter.
export const EXPORT_BLOCK_ROWS = 8_192;
// Filtering on more event types than this is exporting everything.
export const MAX_EXPORT_EVENT_TYPES = 50;

/** Columns of an export, in order; ts and received_at are UTC, local_time is in the app zone. */
export const EXPORT_COLUMNS = [
  'event_id',
  'event_type',
  'name',
  'ts',
  'local_time',
  'received_at',
  'user_id',
  'anonymous_id',
  'session_id',
  'url',
  'host',
  'path',
  'referrer',
  'referrer_domain',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'title',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'device_type',
  'device_vendor',
  'device_model',
  'screen_width',
  'screen_height',
  'locale',
  'country',
  'properties',
] as const;

const EXPRESSIONS: Readonly<Partial<Record<(typeof EXPORT_COLUMNS)[number], string>>> = {
  event_id: 'toString(event_id)',
  local_time: "formatDateTime(ts, '%Y-%m-%d %H:%i:%S', {tz:String})",
};

export interface ExportRequest {
  appId: string;
  range: TimeRange;
  format: ExportFormat;
  eventTypes: readonly string[];
  limit: number;
}

export function exportSql(request: ExportRequest): string {
  const columns = EXPORT_COLUMNS.map((column) => {
    const expression = EXPRESSIONS[column];
    return expression ? `${expression} AS ${column}` : column;
  });
  return `SELECT ${columns.join(', ')}
FROM events
WHERE app_id = {app:UUID} AND ts >= {from:${INSTANT}} AND ts < {to:${INSTANT}}
  ${request.eventTypes.length > 0 ? 'AND event_type IN {eventTypes:Array(String)}' : ''}
ORDER BY toDate(ts), event_type, name, ts
LIMIT {limit:UInt64}`;
}

/**
 * The export as a pull-based byte stream. Rejects (before any byte is sent) when the query
 * fails immediately; a failure later ends the stream with an error, which truncates the body.
 */
export async function streamExport(
  ch: ClickHouse,
  request: ExportRequest,
): Promise<ReadableStream<Uint8Array>> {
  const chunks = ch.stream(exportSql(request), FORMATS[request.format].clickhouse, {
    params: {
      app: request.appId,
      from: instantParam(request.range.from),
      to: instantParam(request.range.to),
      tz: request.range.timeZone,
      limit: request.limit,
      ...(request.eventTypes.length > 0 ? { eventTypes: request.eventTypes } : {}),
    },
    settings: {
      // Exports run for minutes and return millions of rows on purpose: the row cap is the LIMIT.
      readonly: 2,
      max_execution_time: EXPORT_MAX_EXECUTION_SECONDS,
      date_time_output_format: 'iso',
      max_block_size: EXPORT_BLOCK_ROWS,
    },
  });
  const iterator = chunks[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array>;
  try {
    first = await iterator.next();
  } catch (error) {
    throw mapEngineError(error);
  }
  let pending: IteratorResult<Uint8Array> | undefined = first;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = pending ?? (await iterator.next());
        pending = undefined;
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      // The client went away: end the query instead of producing rows nobody reads.
      await iterator.return?.();
    },
  });
}
