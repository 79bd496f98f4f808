// JSON Schemas (TypeBox) for what clients send: the product's events, Segment HTTP Tracking API
// messages, and metric samples. validate.ts compiles them once at module load.
//
// Unknown fields are ignored, not rejected: SDKs add fields over time (Segment's context alone has
// dozens), and refusing an event for a field we would not store anyway loses data for nothing.
// Fields we store are checked strictly and refused with a field-level message, so a broken client
// shows up in the quarantine instead of as silently truncated data. Optional fields also accept
// null (analytics.js sends `"userId": null` for anonymous visitors).
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { MAX_EPOCH_MS, MAX_TIMESTAMP_LENGTH } from './time.ts';

/** Event types are a LowCardinality column and dashboard filter, not free text. */
export const MAX_EVENT_TYPE_LENGTH = 64;
/** Event, page and screen names: short labels; 256 fits any real one. */
export const MAX_NAME_LENGTH = 256;
/** User, anonymous, session and group ids are keys; 256 fits emails, UUIDs, ULIDs and hashes. */
export const MAX_ID_LENGTH = 256;
/** A client event id long enough for any UUID/ULID/prefixed id, short enough to stay an id. */
export const MAX_CLIENT_EVENT_ID_LENGTH = 128;
/** The practical URL limit browsers, CDNs and sitemaps agree on. */
export const MAX_URL_LENGTH = 2048;
/** Page titles beyond this are generated text, not titles. */
export const MAX_TITLE_LENGTH = 1024;
/** RFC 5646 §4.4.1: language tags up to 35 characters must be supported; longer ones are junk. */
export const MAX_LOCALE_LENGTH = 35;
/** Screen sides are UInt16 columns. */
export const MAX_SCREEN_SIDE = 65_535;
/** Metric names: the control plane's limit for configured names (metric_configs_name_length). */
export const MAX_METRIC_NAME_LENGTH = 200;
/** Label values are dimensions; long ones are mistakes that bloat every stored sample. */
export const MAX_LABEL_VALUE_LENGTH = 1024;
/** Configs allow at most 10 label names, so more keys than this cannot all be allowed. */
export const MAX_LABELS_PER_SAMPLE = 32;

export const SEGMENT_TYPES = ['track', 'page', 'screen', 'identify', 'group', 'alias'] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];

export const METRIC_TYPES = ['counter', 'gauge', 'histogram'] as const;

const text = (maxLength: number) =>
  Type.Optional(Type.Unsafe<string | null>({ type: ['string', 'null'], maxLength }));
/** Segment libraries in typed languages sometimes send numeric ids; they are stored as text. */
const id = () =>
  Type.Optional(
    Type.Unsafe<string | number | null>({ type: ['string', 'number', 'null'], maxLength: MAX_ID_LENGTH }),
  );
const object = () => Type.Optional(Type.Unsafe<Record<string, unknown> | null>({ type: ['object', 'null'] }));
/** ISO 8601 text (checked by the `timestamp` format) or epoch milliseconds. */
const timestamp = () =>
  Type.Optional(
    Type.Unsafe<string | number | null>({
      type: ['string', 'number', 'null'],
      format: 'timestamp',
      maxLength: MAX_TIMESTAMP_LENGTH,
      minimum: 0,
      maximum: MAX_EPOCH_MS,
    }),
  );
const screenSide = () =>
  Type.Optional(
    Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: 0, maximum: MAX_SCREEN_SIDE }),
  );
/** Segment screens are measured by many SDKs, some in fractional points: any number, clamped later. */
const looseScreenSide = () => Type.Optional(Type.Unsafe<number | null>({ type: ['number', 'null'] }));
const nullableObject = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

/** `POST /api/events/track` body, and each item of `/api/events/track/batch`. */
export const TrackEvent = Type.Object({
  eventType: Type.String({ minLength: 1, maxLength: MAX_EVENT_TYPE_LENGTH }),
  name: text(MAX_NAME_LENGTH),
  eventId: text(MAX_CLIENT_EVENT_ID_LENGTH),
  userId: text(MAX_ID_LENGTH),
  anonymousId: text(MAX_ID_LENGTH),
  sessionId: text(MAX_ID_LENGTH),
  url: text(MAX_URL_LENGTH),
  referrer: text(MAX_URL_LENGTH),
  title: text(MAX_TITLE_LENGTH),
  locale: text(MAX_LOCALE_LENGTH),
  screenWidth: screenSide(),
  screenHeight: screenSide(),
  timestamp: timestamp(),
  sentAt: timestamp(),
  metadata: object(),
});
export type TrackEvent = Static<typeof TrackEvent>;

const SegmentPage = Type.Object({
  url: text(MAX_URL_LENGTH),
  referrer: text(MAX_URL_LENGTH),
  title: text(MAX_TITLE_LENGTH),
  path: text(MAX_URL_LENGTH),
  search: text(MAX_URL_LENGTH),
});

const SegmentCampaign = Type.Object({
  source: text(MAX_URL_LENGTH),
  medium: text(MAX_URL_LENGTH),
  name: text(MAX_URL_LENGTH),
  term: text(MAX_URL_LENGTH),
  content: text(MAX_URL_LENGTH),
});

/** The parts of Segment's `context` we store; everything else in it is ignored. */
export const SegmentContext = Type.Object({
  userAgent: Type.Optional(Type.Unsafe<string | null>({ type: ['string', 'null'] })),
  locale: text(MAX_LOCALE_LENGTH),
  page: nullableObject(SegmentPage),
  screen: nullableObject(Type.Object({ width: looseScreenSide(), height: looseScreenSide() })),
  campaign: nullableObject(SegmentCampaign),
  // Some libraries send identify traits here rather than at the top level.
  traits: object(),
});
export type SegmentContext = Static<typeof SegmentContext>;

const segmentCommon = {
  userId: id(),
  anonymousId: id(),
  messageId: text(MAX_CLIENT_EVENT_ID_LENGTH),
  timestamp: timestamp(),
  // Older libraries send the client clock as originalTimestamp.
  originalTimestamp: timestamp(),
  sentAt: timestamp(),
  context: nullableObject(SegmentContext),
  integrations: object(),
  properties: object(),
  traits: object(),
};

/** One Segment message schema per `type`, so errors name the field that matters for that type. */
export const SegmentMessages = {
  track: Type.Object({
    ...segmentCommon,
    type: Type.Literal('track'),
    event: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }),
  }),
  page: Type.Object({ ...segmentCommon, type: Type.Literal('page'), name: text(MAX_NAME_LENGTH) }),
  screen: Type.Object({ ...segmentCommon, type: Type.Literal('screen'), name: text(MAX_NAME_LENGTH) }),
  identify: Type.Object({ ...segmentCommon, type: Type.Literal('identify') }),
  group: Type.Object({
    ...segmentCommon,
    type: Type.Literal('group'),
    groupId: Type.Unsafe<string | number>({
      type: ['string', 'number'],
      minLength: 1,
      maxLength: MAX_ID_LENGTH,
    }),
  }),
  alias: Type.Object({
    ...segmentCommon,
    type: Type.Literal('alias'),
    previousId: Type.Unsafe<string | number>({
      type: ['string', 'number'],
      minLength: 1,
      maxLength: MAX_ID_LENGTH,
    }),
  }),
} satisfies Record<SegmentType, TSchema>;

/** A validated Segment message, discriminated by `type`. */
export type SegmentMessage = Static<(typeof SegmentMessages)[SegmentType]>;

/** One sample for `POST /api/v1/metrics`. */
export const MetricSample = Type.Object({
  name: Type.String({ minLength: 1, maxLength: MAX_METRIC_NAME_LENGTH }),
  // Finite-ness is checked with the metric's config: JSON.parse turns 1e999 into Infinity.
  value: Type.Number(),
  labels: Type.Optional(
    Type.Unsafe<Record<string, string> | null>({
      type: ['object', 'null'],
      maxProperties: MAX_LABELS_PER_SAMPLE,
      additionalProperties: { type: 'string', maxLength: MAX_LABEL_VALUE_LENGTH },
    }),
  ),
  timestamp: timestamp(),
  type: Type.Optional(
    Type.Unsafe<string | null>({ type: ['string', 'null'], enum: [...METRIC_TYPES, null] }),
  ),
});
export type MetricSample = Static<typeof MetricSample>;
