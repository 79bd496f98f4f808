import { type Static, type TSchema, Type } from '@sinclair/typebox';

// Prometheus naming rules (https://prometheus.io/docs/concepts/data_model/): the same names work
// in our exposition, in ClickHouse's labels Map and in Grafana queries without quoting.
export const METRIC_NAME_PATTERN = '^[a-zA-Z_:][a-zA-Z0-9_:]*$';
export const LABEL_NAME_PATTERN = '^[a-zA-Z_][a-zA-Z0-9_]*$';
// Selectors and event names are free text the browser interprets; control characters are never
// part of a real selector or event name and only hide mistakes in the UI.
const PRINTABLE_PATTERN = '^[^\\u0000-\\u001F\\u007F]*$';

/** Matches the metric_configs_name_length constraint in the schema. */
export const MAX_METRIC_NAME_LENGTH = 200;
// HELP is one line of documentation shown in Grafana and the UI, not an essay.
export const MAX_HELP_LENGTH = 500;
// Every label multiplies the series a metric can create; ten is already a lot of cardinality.
export const MAX_LABEL_NAMES = 10;
// Label names are identifiers; longer ones are mistakes that bloat every stored sample.
export const MAX_LABEL_NAME_LENGTH = 100;
// Each bucket is one more stored counter per label set; Prometheus's defaults use 11, and 32
// still allows fine-grained latency histograms while bounding the per-minute rollup width.
export const MAX_BUCKETS = 32;
// Selector and event lists ship in every page's snippet: keep them short enough to stay small.
export const MAX_SELECTORS = 20;
export const MAX_SELECTOR_LENGTH = 200;
export const MAX_CUSTOM_EVENTS = 20;
export const MAX_EVENT_NAME_LENGTH = 100;
// Scroll thresholds are percentages; more than ten of them adds events without adding insight.
export const MAX_SCROLL_THRESHOLDS = 10;
// The snippet embeds every enabled config in each page an app serves; a hundred is more than any
// real site configures and keeps that payload bounded.
export const MAX_METRIC_CONFIGS_PER_APP = 100;

export const METRIC_TYPES = ['counter', 'gauge', 'histogram'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

// A plain string enum (not a union of literals) so an invalid type yields one clear error.
const MetricTypeSchema = Type.Unsafe<MetricType>({
  type: 'string',
  enum: [...METRIC_TYPES],
  description: 'counter (only goes up), gauge (goes up and down) or histogram (observations in buckets)',
});

export const MetricName = Type.String({
  minLength: 1,
  maxLength: MAX_METRIC_NAME_LENGTH,
  pattern: METRIC_NAME_PATTERN,
  description: 'Prometheus metric name, unique per app; counters conventionally end in _total',
});

const LabelName = Type.String({
  minLength: 1,
  maxLength: MAX_LABEL_NAME_LENGTH,
  pattern: LABEL_NAME_PATTERN,
  description: 'Prometheus label name; names starting with __ are reserved, and le on histograms',
});

const Selector = Type.String({
  minLength: 1,
  maxLength: MAX_SELECTOR_LENGTH,
  pattern: PRINTABLE_PATTERN,
  description: 'A CSS selector, e.g. button.buy or #signup-form',
});
const selectors = (description: string) =>
  Type.Array(Selector, { maxItems: MAX_SELECTORS, uniqueItems: true, description });

const EventName = Type.String({ minLength: 1, maxLength: MAX_EVENT_NAME_LENGTH, pattern: PRINTABLE_PATTERN });

const ScrollThresholds = Type.Array(Type.Integer({ minimum: 1, maximum: 100 }), {
  minItems: 1,
  maxItems: MAX_SCROLL_THRESHOLDS,
  description: 'Scroll depths in percent, strictly increasing',
});

/** What the browser tracker records on its own for this metric. */
export const TrackInput = Type.Object(
  {
    pageViews: Type.Optional(Type.Boolean({ description: 'Count page views (including SPA navigations)' })),
    clicks: Type.Optional(selectors('Count clicks on elements matching these selectors')),
    scrollDepth: Type.Optional(
      Type.Union([Type.Boolean(), ScrollThresholds], {
        description: 'true = 25, 50, 75 and 100 %, or explicit thresholds in percent',
      }),
    ),
    formSubmissions: Type.Optional(
      Type.Union([Type.Boolean(), selectors('Only forms matching these selectors')], {
        description: 'true = every form, or only forms matching these selectors',
      }),
    ),
    customEvents: Type.Optional(
      Type.Array(EventName, {
        maxItems: MAX_CUSTOM_EVENTS,
        uniqueItems: true,
        description: 'DOM event names the tracker listens for on document',
      }),
    ),
  },
  { additionalProperties: false, default: {} },
);
export type TrackInput = Static<typeof TrackInput>;

/** The stored and returned form: every field present, defaults filled in. */
export const Track = Type.Object({
  pageViews: Type.Boolean(),
  clicks: Type.Array(Type.String()),
  scrollDepth: Type.Union([Type.Boolean(), Type.Array(Type.Integer())]),
  formSubmissions: Type.Union([Type.Boolean(), Type.Array(Type.String())]),
  customEvents: Type.Array(Type.String()),
});
export type Track = Static<typeof Track>;

const Buckets = Type.Array(Type.Number(), {
  minItems: 1,
  maxItems: MAX_BUCKETS,
  description: 'Histogram upper bounds, strictly increasing and finite (+Inf is implicit)',
});

const RULES =
  'Besides this schema: buckets only on histograms (strictly increasing, finite; the Prometheus ' +
  'defaults when omitted), no label names starting with __, no le label on histograms. Invalid ' +
  'configs get 400 validation_failed with details [{field, message}]; a name already used in the ' +
  'app gets 409 metric_name_taken.';

const writable = {
  name: MetricName,
  type: MetricTypeSchema,
  help: Type.Optional(Type.String({ maxLength: MAX_HELP_LENGTH, default: '' })),
  labelNames: Type.Optional(
    Type.Array(LabelName, { maxItems: MAX_LABEL_NAMES, uniqueItems: true, default: [] }),
  ),
  buckets: Type.Optional(
    Type.Union([Buckets, Type.Null()], {
      description: 'Histograms only; omitted or null gives the Prometheus default buckets',
    }),
  ),
  track: Type.Optional(TrackInput),
  enabled: Type.Optional(Type.Boolean({ default: true })),
} satisfies Record<string, TSchema>;

export const MetricConfigCreate = Type.Object(
  { appId: Type.String({ format: 'uuid' }), ...writable },
  { additionalProperties: false, description: RULES },
);
export type MetricConfigCreate = Static<typeof MetricConfigCreate>;

/**
 * PUT replaces every writable field; omitted optional fields return to their defaults. appId may
 * be sent (clients often PUT what they POSTed) but must be the config's own app.
 */
export const MetricConfigReplace = Type.Object(
  {
    appId: Type.Optional(
      Type.String({ format: 'uuid', description: "The config's own app; configs cannot move" }),
    ),
    ...writable,
  },
  { additionalProperties: false, description: RULES },
);
export type MetricConfigReplace = Static<typeof MetricConfigReplace>;

export const FieldIssue = Type.Object({ field: Type.String(), message: Type.String() });
export type FieldIssue = Static<typeof FieldIssue>;

export const MetricConfig = Type.Object({
  id: Type.String({ format: 'uuid' }),
  appId: Type.String({ format: 'uuid' }),
  name: Type.String(),
  type: MetricTypeSchema,
  help: Type.String(),
  labelNames: Type.Array(Type.String()),
  buckets: Type.Union([Type.Array(Type.Number()), Type.Null()]),
  track: Track,
  enabled: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  warnings: Type.Array(FieldIssue, {
    description: 'Convention advice (e.g. counters ending in _total); never blocks saving',
  }),
});
export type MetricConfig = Static<typeof MetricConfig>;

export const MetricConfigIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const MetricConfigListQuery = Type.Object({ appId: Type.Optional(Type.String({ format: 'uuid' })) });
