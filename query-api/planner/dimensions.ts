// The allow-list of breakdown dimensions: the only column expressions a client can group by.
// A client names a dimension; the SQL comes from this table, never from the request. Metadata
// keys are the one open-ended dimension, and they reach ClickHouse only as bound parameters.

export const DIMENSION_NAMES = [
  'browser',
  'os',
  'device',
  'path',
  'referrer',
  'country',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'event_name',
  'event_type',
  'metadata',
] as const;

export type DimensionName = (typeof DIMENSION_NAMES)[number];

export interface DimensionSpec {
  /** Expression over the raw events table giving the value as a String. */
  raw: string;
  /** The `dimension` value in events_daily_dims, when that rollup carries this dimension. */
  rollup: string | undefined;
}

const FIXED: Readonly<Record<Exclude<DimensionName, 'metadata'>, DimensionSpec>> = {
  browser: { raw: 'toString(browser)', rollup: 'browser' },
  os: { raw: 'toString(os)', rollup: 'os' },
  device: { raw: 'toString(device_type)', rollup: 'device_type' },
  path: { raw: 'path', rollup: 'path' },
  referrer: { raw: 'toString(referrer_domain)', rollup: 'referrer_domain' },
  country: { raw: 'toString(country)', rollup: 'country' },
  utm_source: { raw: 'toString(utm_source)', rollup: undefined },
  utm_medium: { raw: 'toString(utm_medium)', rollup: undefined },
  utm_campaign: { raw: 'toString(utm_campaign)', rollup: undefined },
  utm_term: { raw: 'toString(utm_term)', rollup: undefined },
  utm_content: { raw: 'toString(utm_content)', rollup: undefined },
  event_name: { raw: 'name', rollup: undefined },
  event_type: { raw: 'toString(event_type)', rollup: undefined },
};

// A metadata key is a path into the event's properties JSON: "plan" or "billing.plan". Five
// levels cover any sane event schema and keep the number of bound parameters small.
export const MAX_METADATA_PATH_SEGMENTS = 5;
// Longer keys are not field names but attempts to make the JSON parser do work.
export const MAX_METADATA_KEY_LENGTH = 200;

/** A dimension as a query uses it: the catalog entry, plus the bound key for metadata. */
export interface Dimension {
  name: DimensionName;
  /** For metadata: the path segments, bound as {mk0:String}, {mk1:String}, ... */
  metadataPath?: readonly string[];
}

export function dimensionSpec(dimension: Dimension): DimensionSpec {
  if (dimension.name !== 'metadata') return FIXED[dimension.name];
  const path = dimension.metadataPath ?? [];
  // Strings come out as their text; numbers, booleans, objects as their JSON; missing as ''.
  // A top-level key is one entry of the property_values map, which holds exactly that (see
  // migration 0009) without parsing the JSON again; deeper keys parse it.
  if (path.length === 1) return { raw: 'property_values[{mk0:String}]', rollup: undefined };
  const args = path.map((_, index) => `{mk${index}:String}`).join(', ');
  return {
    raw: `if(JSONType(properties, ${args}) = 'String', JSONExtractString(properties, ${args}), JSONExtractRaw(properties, ${args}))`,
    rollup: undefined,
  };
}

/** The bound parameters a dimension's SQL refers to. */
export function dimensionParams(dimension: Dimension): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [index, segment] of (dimension.metadataPath ?? []).entries()) params[`mk${index}`] = segment;
  return params;
}

/** The label a dimension has in responses and cache keys, e.g. "browser" or "metadata.plan". */
export function dimensionLabel(dimension: Dimension): string {
  return dimension.name === 'metadata'
    ? `metadata.${(dimension.metadataPath ?? []).join('.')}`
    : dimension.name;
}
