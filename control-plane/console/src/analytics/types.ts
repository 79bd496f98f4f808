// The query API's answers as the console reads them (see query-api/*/routes.ts for the schemas).

export interface RangeAnswer {
  start: string;
  end: string;
  timeZone: string;
}

export interface Compared {
  current: number;
  previous: number;
}

export interface BreakdownRow {
  /** null on the "other" row; "" for events without a value. */
  value: string | null;
  events: number;
  uniqueUsers: number;
  other?: { values: number };
  previous?: { events: number; uniqueUsers: number };
}

export interface Overview {
  range: RangeAnswer;
  previousRange: RangeAnswer;
  metrics: {
    events: Compared;
    pageviews: Compared;
    uniqueUsers: Compared;
    sessions: Compared;
    bounceRate: Compared;
    avgSessionDurationSeconds: Compared;
  };
  topPages: BreakdownRow[];
  topReferrers: BreakdownRow[];
  browsers: BreakdownRow[];
  os: BreakdownRow[];
  devices: BreakdownRow[];
  countries: BreakdownRow[];
}

export interface Timeline {
  range: RangeAnswer;
  interval: string;
  buckets: { start: string; events: number; uniqueUsers: number; sessions: number }[];
}

export interface Breakdown {
  range: RangeAnswer;
  dimension: string;
  rows: BreakdownRow[];
  totals: { events: number };
}

export interface FunnelAnswer {
  range: RangeAnswer;
  windowSeconds: number;
  steps: {
    step: number;
    field: string;
    value: string;
    users: number;
    conversionFromPrevious: number;
    conversionFromStart: number;
  }[];
}

export interface SeriesAnswer {
  range: RangeAnswer;
  name: string;
  type: string;
  aggregation: string;
  stepSeconds: number;
  series: { labels: Record<string, string>; points: { start: string; value: number | null }[] }[];
}
