// TypeBox pieces every analytics route shares: the app id, the time range parameters and the
// shapes answers are built from. One definition validates requests and documents them.

import { type TSchema, Type } from '@sinclair/typebox';
import { ErrorResponse } from '../../runtime/http/openapi.ts';
import { RANGE_VALUE_PATTERN } from '../time-range/index.ts';

// An event type or name is a short identifier chosen by the app; 200 characters is far beyond
// any real one and keeps a filter from carrying a payload.
export const MAX_FILTER_VALUE_LENGTH = 200;

export const AppId = Type.String({ format: 'uuid', description: 'The app to read' });

const rangeValue = (description: string) =>
  Type.String({ pattern: RANGE_VALUE_PATTERN, maxLength: 40, description });

/** startDate and endDate, as every endpoint takes them. */
export const rangeQuery = {
  startDate: Type.Optional(
    rangeValue(
      'ISO date (2026-01-05, a whole day in the app time zone), ISO date-time (with or without an offset; ' +
        'without one it is read in the app time zone), or a relative range: 30m, 24h, 7d, 4w (the current ' +
        'unit and the ones before it, aligned in the app time zone). Default 7d.',
    ),
  ),
  endDate: Type.Optional(
    rangeValue(
      'ISO date (inclusive: the whole day) or date-time (exclusive). Default: the end of the current ' +
        'minute. Not allowed with a relative startDate.',
    ),
  ),
};

export const EventTypeFilter = Type.String({
  minLength: 1,
  maxLength: MAX_FILTER_VALUE_LENGTH,
  description: 'Only events of this type (pageview, track, identify, screen, or a custom type)',
});

export const Range = Type.Object({
  start: Type.String({ description: 'Inclusive, RFC 3339 with the app time zone offset' }),
  end: Type.String({ description: 'Exclusive, RFC 3339 with the app time zone offset' }),
  timeZone: Type.String(),
});

export const Sources = Type.Record(Type.String(), Type.String(), {
  description: 'Which table answered each part (a rollup or the raw events table), and why',
});

export const Counts = Type.Object({ events: Type.Integer(), uniqueUsers: Type.Integer() });

export const BreakdownRow = Type.Object({
  value: Type.Union([Type.String(), Type.Null()], { description: 'null on the "other" row' }),
  events: Type.Integer(),
  uniqueUsers: Type.Integer({
    description:
      'Distinct visitors (uniqCombined64(12): exact below ~128, else a 2^12-cell HyperLogLog, 1.6% standard error)',
  }),
  other: Type.Optional(
    Type.Object({ values: Type.Integer({ description: 'How many values the row folds' }) }),
  ),
  previous: Type.Optional(Counts),
});

export { ErrorResponse };

/** The error responses every analytics route can give. */
export function standardResponses(ok: { description: string; schema: TSchema; contentType?: string }) {
  return {
    200: ok,
    400: { ...ErrorResponse, description: 'Invalid or out-of-range parameters' },
    401: { ...ErrorResponse, description: 'Missing or invalid credentials' },
    403: { ...ErrorResponse, description: 'The API key lacks the read scope' },
    404: { ...ErrorResponse, description: 'No such app for this caller' },
    429: { ...ErrorResponse, description: 'Rate limited; see Retry-After' },
  };
}
