// The shipped dashboards against the real schema: every ClickHouse panel and variable query is
// rendered as Grafana and the ClickHouse plugin would render it (macros.ts) and run on the
// embedded engine over a small hand-made data set, and each panel must return the rows this file
// computes from that data set on its own. A panel naming a table or column that does not exist
// fails. The Prometheus dashboard may only name metrics the ingest edge registers, and the
// access-control SQL in README.md must parse.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Grafana's ${var} syntax in plain strings is what the dashboards use.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedClickHouse } from '../clickhouse/embedded/index.ts';
import { type ClickHouse, ClickHouseError } from '../clickhouse/index.ts';
import { runMigrations } from '../clickhouse/migrations/index.ts';
import { createEdgeMetrics } from '../ingest/edge/metrics.ts';
import { silentLogger } from '../runtime/logger/index.ts';
import { tempDir } from '../runtime/testing/services.ts';
import {
  allPanels,
  CLICKHOUSE_DATASOURCE,
  clickHousePanels,
  type Dashboard,
  type DashboardPanel,
  type DashboardTime,
  loadDashboard,
  PROMETHEUS_DATASOURCE,
  resolveVariables,
  runDashboard,
  runPanel,
  targetDatasource,
  variableQueryText,
} from './dashboard-runner.ts';
import { metricNamesIn, metricNamesInVariableQuery } from './promql.ts';
import type { VariableValue } from './template-variables.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DASHBOARDS = path.join(HERE, 'dashboards');
const PROVISIONING = path.join(HERE, 'provisioning');

// ClickHouse orders UUIDs by their last eight bytes first: these two sort the same either way.
const APP = '3f6c1c1e-8f9d-4c59-8b7e-2a41d7e0c001';
const OTHER_APP = '9a0d2b7c-1e4f-4a6b-9c3d-5e6f7a8b9c02';
// Far beyond the test's dates, so TTL merges never remove rows mid-test.
const RETENTION_DAYS = 3650;

// ---------------------------------------------------------------------------------------------
// The data set. Events: seven sessions over two days, one of which runs past midnight inside the
// range and one past midnight into the range's first day (sessions count once per UTC day they
// touch, as sessions_daily stores them), one server-side event without a session, one event
// after the range and another app's events, which no panel may count.

interface SeedEvent {
  app: string;
  ts: string;
  type: string;
  name: string;
  path: string;
  session: string;
  user: string;
  anon: string;
  referrer: string;
  browser: string;
  os: string;
  device: string;
}

type Context = Pick<SeedEvent, 'session' | 'user' | 'anon' | 'referrer' | 'browser' | 'os' | 'device'> & {
  app?: string;
};

const context = (values: Partial<Context>): Context => ({
  session: '',
  user: '',
  anon: '',
  referrer: '',
  browser: '',
  os: '',
  device: '',
  ...values,
});

const s1 = context({
  session: 's1',
  user: 'u1',
  anon: 'a1',
  referrer: 'google.com',
  browser: 'Chrome',
  os: 'macOS',
  device: 'desktop',
});
const s2 = context({ session: 's2', anon: 'a2', browser: 'Safari', os: 'iOS', device: 'mobile' });
const s3 = context({
  session: 's3',
  anon: 'a3',
  referrer: 't.co',
  browser: 'Firefox',
  os: 'Windows',
  device: 'desktop',
});
const s4 = { ...s1, session: 's4' };
const s5 = context({
  session: 's5',
  anon: 'a5',
  referrer: 'google.com',
  browser: 'Chrome',
  os: 'Android',
  device: 'mobile',
});
// Runs past midnight inside the range: one session on each day.
const s6 = context({
  session: 's6',
  anon: 'a6',
  referrer: 'duckduckgo.com',
  browser: 'Safari',
  os: 'macOS',
  device: 'desktop',
});
// Starts the day before the range: its part on the range's first day is a session in the range.
const s7 = context({ session: 's7', anon: 'a7', browser: 'Firefox', os: 'Linux', device: 'desktop' });
const server = context({ user: 'u2' });
const later = context({
  session: 's9',
  anon: 'a9',
  referrer: 'bing.com',
  browser: 'Edge',
  os: 'Windows',
  device: 'desktop',
});
const other = context({
  app: OTHER_APP,
  session: 'sb',
  anon: 'b1',
  referrer: 'bing.com',
  browser: 'Edge',
  os: 'Linux',
  device: 'desktop',
});

const event = (ts: string, type: string, name: string, pagePath: string, ctx: Context): SeedEvent => ({
  ...ctx,
  app: ctx.app ?? APP,
  ts,
  type,
  name,
  path: pagePath,
});

const EVENTS: SeedEvent[] = [
  event('2024-03-04 10:00:00', 'pageview', '', '/', s1),
  event('2024-03-04 10:00:30', 'pageview', '', '/pricing', s1),
  event('2024-03-04 10:01:00', 'track', 'add_to_cart', '/pricing', s1),
  event('2024-03-04 10:02:00', 'identify', '', '/pricing', s1),
  event('2024-03-04 10:03:00', 'track', 'purchase', '/checkout', s1),
  event('2024-03-04 11:15:00', 'pageview', '', '/', s2),
  event('2024-03-05 09:00:00', 'pageview', '', '/blog', s3),
  event('2024-03-05 09:05:00', 'pageview', '', '/pricing', s3),
  event('2024-03-05 09:06:00', 'track', 'add_to_cart', '/pricing', s3),
  event('2024-03-05 14:00:00', 'pageview', '', '/pricing', s4),
  event('2024-03-05 14:10:00', 'track', 'purchase', '/checkout', s4),
  event('2024-03-05 15:00:00', 'track', 'purchase', '', server),
  event('2024-03-05 16:20:00', 'pageview', '', '/', s5),
  event('2024-03-04 23:50:00', 'pageview', '', '/', s6),
  event('2024-03-05 00:10:00', 'pageview', '', '/pricing', s6),
  event('2024-03-05 00:12:30', 'track', 'add_to_cart', '/pricing', s6),
  event('2024-03-03 23:55:00', 'pageview', '', '/blog', s7),
  event('2024-03-04 00:05:00', 'pageview', '', '/', s7),
  event('2024-03-04 00:06:00', 'pageview', '', '/pricing', s7),
  event('2024-03-07 12:00:00', 'pageview', '', '/', later),
  event('2024-03-04 10:30:00', 'pageview', '', '/', other),
  event('2024-03-05 10:30:00', 'track', 'add_to_cart', '/', other),
];

const PRODUCT_TIME: DashboardTime = {
  from: new Date('2024-03-04T00:00:00.000Z'),
  to: new Date('2024-03-05T23:59:59.999Z'),
  // What Grafana computes for two days on a wide panel; the hourly panels raise it to 1h.
  intervalMs: 300_000,
};

function eventRow(seed: SeedEvent, index: number): Record<string, unknown> {
  return {
    app_id: seed.app,
    event_id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    event_type: seed.type,
    name: seed.name,
    ts: `${seed.ts}.000`,
    received_at: `${seed.ts}.250`,
    user_id: seed.user,
    anonymous_id: seed.anon,
    session_id: seed.session,
    url: seed.path === '' ? '' : `https://shop.example.com${seed.path}`,
    host: seed.path === '' ? '' : 'shop.example.com',
    path: seed.path,
    referrer: seed.referrer === '' ? '' : `https://${seed.referrer}/`,
    referrer_domain: seed.referrer,
    browser: seed.browser,
    os: seed.os,
    device_type: seed.device,
    retention_days: RETENTION_DAYS,
  };
}

// Metric samples: two counter series, a gauge, a histogram with two label sets, a sample after
// the range and another app's sample.

interface SeedSample {
  app: string;
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  labels: Record<string, string>;
  value: number;
  ts: string;
}

const BOUNDS = [0.1, 0.5, 1];
const sample = (
  name: string,
  type: SeedSample['type'],
  labels: Record<string, string>,
  ts: string,
  value: number,
  app = APP,
): SeedSample => ({ app, name, type, labels, value, ts });
const pro = { plan: 'pro', region: 'eu' };
const free = { plan: 'free', region: 'us' };
const api = { route: '/api' };

const SAMPLES: SeedSample[] = [
  sample('checkout_total', 'counter', pro, '2024-03-04 10:00:10', 1),
  sample('checkout_total', 'counter', pro, '2024-03-04 10:01:00', 2),
  sample('checkout_total', 'counter', pro, '2024-03-04 10:06:00', 3),
  sample('checkout_total', 'counter', free, '2024-03-04 10:02:00', 5),
  sample('queue_depth', 'gauge', {}, '2024-03-04 10:00:00', 7),
  sample('queue_depth', 'gauge', {}, '2024-03-04 10:03:00', 4),
  sample('queue_depth', 'gauge', {}, '2024-03-04 10:07:00', 9),
  sample('queue_depth', 'gauge', {}, '2024-03-04 10:09:00', 6),
  sample('request_seconds', 'histogram', api, '2024-03-04 10:00:05', 0.05),
  sample('request_seconds', 'histogram', api, '2024-03-04 10:01:00', 0.2),
  sample('request_seconds', 'histogram', api, '2024-03-04 10:02:00', 0.3),
  sample('request_seconds', 'histogram', api, '2024-03-04 10:03:00', 0.7),
  sample('request_seconds', 'histogram', api, '2024-03-04 10:04:00', 2),
  sample('request_seconds', 'histogram', api, '2024-03-04 10:06:00', 0.08),
  sample('request_seconds', 'histogram', api, '2024-03-04 10:07:00', 0.09),
  sample('request_seconds', 'histogram', { route: '/checkout' }, '2024-03-04 10:02:30', 0.4),
  sample('checkout_total', 'counter', pro, '2024-03-04 10:15:00', 100),
  sample('checkout_total', 'counter', { plan: 'pro' }, '2024-03-04 10:00:00', 50, OTHER_APP),
];

const METRICS_TIME: DashboardTime = {
  from: new Date('2024-03-04T10:00:00.000Z'),
  to: new Date('2024-03-04T10:09:59.999Z'),
  intervalMs: 300_000,
};

function sampleRow(seed: SeedSample): Record<string, unknown> {
  return {
    app_id: seed.app,
    name: seed.name,
    type: seed.type,
    labels: seed.labels,
    value: seed.value,
    ts: `${seed.ts}.000`,
    received_at: `${seed.ts}.000`,
    bucket_bounds: seed.type === 'histogram' ? BOUNDS : [],
    retention_days: RETENTION_DAYS,
  };
}

// ---------------------------------------------------------------------------------------------
// Expected answers, computed from the data set without SQL.

type Row = Record<string, unknown>;

const millis = (ts: string) => Date.parse(`${ts.replace(' ', 'T')}Z`);
/** ClickHouse's DateTime text for a UTC instant. */
const dateTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;
const visitorOf = (seed: SeedEvent) => (seed.user !== '' ? seed.user : seed.anon);

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    groups.set(name, [...(groups.get(name) ?? []), item]);
  }
  return groups;
}

const distinct = (values: readonly string[]) => new Set(values.filter((value) => value !== '')).size;
const byKeys =
  (...keys: string[]) =>
  (a: Row, b: Row): number => {
    for (const key of keys) {
      const descending = key.startsWith('-');
      const name = descending ? key.slice(1) : key;
      const [left, right] = [a[name], b[name]];
      // Numbers by value, text by code unit (ClickHouse compares String bytes, not by locale).
      const order =
        typeof left === 'number' && typeof right === 'number'
          ? left - right
          : Number(String(left) > String(right)) - Number(String(left) < String(right));
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  };

interface ProductSelection {
  /** null: "All". */
  eventTypes: string[] | null;
}

function expectedProduct(selection: ProductSelection): Map<string, Row[]> {
  const from = PRODUCT_TIME.from.getTime();
  const to = PRODUCT_TIME.to.getTime();
  const appEvents = EVENTS.filter((seed) => seed.app === APP);
  const inRange = appEvents.filter((seed) => millis(seed.ts) >= from && millis(seed.ts) <= to);
  const selected = inRange.filter((seed) => selection.eventTypes?.includes(seed.type) ?? true);
  const hour = (seed: SeedEvent) => floorTo(millis(seed.ts), 3_600_000);

  // One session per session id and UTC day, as sessions_daily keeps them.
  const sessions = [
    ...groupBy(
      appEvents.filter((seed) => seed.session !== ''),
      (seed) => `${seed.ts.slice(0, 10)} ${seed.session}`,
    ).values(),
  ]
    .map((events) => {
      const times = events.map((seed) => millis(seed.ts));
      return {
        started: Math.min(...times),
        ended: Math.max(...times),
        pageviews: events.filter((seed) => seed.type === 'pageview').length,
      };
    })
    .filter((session) => session.started >= from && session.started <= to);
  const withPageviews = sessions.filter((session) => session.pageviews > 0);
  const durations = sessions.map((session) => (session.ended - session.started) / 1000);

  const breakdown = (column: string, value: (seed: SeedEvent) => string) =>
    [...groupBy(selected, (seed) => value(seed) || 'Unknown')]
      .map(([name, events]) => ({ [column]: name, visitors: distinct(events.map(visitorOf)) }))
      .sort(byKeys('-visitors', column))
      .slice(0, 10);

  return new Map<string, Row[]>([
    ['Events', [{ events: selected.length }]],
    ['Unique visitors', [{ visitors: distinct(selected.map(visitorOf)) }]],
    ['Sessions', [{ sessions: sessions.length }]],
    [
      'Bounce rate',
      [
        {
          bounce_rate:
            withPageviews.filter((session) => session.pageviews === 1).length / withPageviews.length,
        },
      ],
    ],
    [
      'Avg. session duration',
      [{ avg_duration_seconds: durations.reduce((a, b) => a + b, 0) / durations.length }],
    ],
    [
      'Events by type',
      [...groupBy(selected, (seed) => `${hour(seed)} ${seed.type}`).values()]
        .map((events) => ({
          time: dateTime(hour(events[0] as SeedEvent)),
          event_type: (events[0] as SeedEvent).type,
          events: events.length,
        }))
        .sort(byKeys('time', 'event_type')),
    ],
    [
      'Unique visitors over time',
      [...groupBy(selected, (seed) => String(hour(seed)))]
        .map(([time, events]) => ({
          time: dateTime(Number(time)),
          visitors: distinct(events.map(visitorOf)),
        }))
        .sort(byKeys('time')),
    ],
    [
      'Sessions over time',
      [...groupBy(sessions, (session) => String(floorTo(session.started, 3_600_000)))]
        .map(([time, started]) => ({ time: dateTime(Number(time)), sessions: started.length }))
        .sort(byKeys('time')),
    ],
    ['Funnel', expectedFunnel(inRange, ['pageview', 'add_to_cart', 'purchase'], 86_400)],
    [
      'Top pages',
      [
        ...groupBy(
          inRange.filter((seed) => seed.type === 'pageview' && seed.path !== ''),
          (seed) => seed.path,
        ),
      ]
        .map(([pagePath, events]) => ({
          path: pagePath,
          pageviews: events.length,
          visitors: distinct(events.map(visitorOf)),
        }))
        .sort(byKeys('-pageviews', 'path')),
    ],
    [
      'Top referrers',
      [
        ...groupBy(
          selected.filter((seed) => seed.referrer !== ''),
          (seed) => seed.referrer,
        ),
      ]
        .map(([referrer, events]) => ({
          referrer,
          sessions: distinct(events.map((seed) => seed.session)),
          visitors: distinct(events.map(visitorOf)),
        }))
        .sort(byKeys('-sessions', 'referrer')),
    ],
    ['Browsers', breakdown('browser', (seed) => seed.browser)],
    ['Operating systems', breakdown('os', (seed) => seed.os)],
    ['Devices', breakdown('device', (seed) => seed.device)],
  ]);
}

/**
 * windowFunnel's default mode per visitor: the longest chain of steps in order, each after the
 * previous one and within `windowSeconds` of the chain's first step.
 */
function expectedFunnel(
  events: readonly SeedEvent[],
  steps: readonly string[],
  windowSeconds: number,
): Row[] {
  const matches = (seed: SeedEvent, step: string) => seed.type === step || seed.name === step;
  const reached = [
    ...groupBy(
      events.filter((seed) => visitorOf(seed) !== ''),
      visitorOf,
    ).values(),
  ].map((own) => {
    const ordered = [...own].sort((a, b) => millis(a.ts) - millis(b.ts));
    let best = 0;
    for (const first of ordered.filter((seed) => matches(seed, steps[0] ?? ''))) {
      const start = millis(first.ts);
      let level = 1;
      let last = start;
      for (const step of steps.slice(1)) {
        const next = ordered.find(
          (seed) =>
            matches(seed, step) && millis(seed.ts) > last && millis(seed.ts) <= start + windowSeconds * 1000,
        );
        if (next === undefined) break;
        level += 1;
        last = millis(next.ts);
      }
      best = Math.max(best, level);
    }
    return best;
  });
  return steps.map((step, index) => ({
    step: `${index + 1}. ${step}`,
    visitors: reached.filter((level) => level > index).length,
  }));
}

interface MetricSelection {
  /** null: "All". */
  label: { key: string; values: string[] } | null;
}

function seriesName(seed: SeedSample): string {
  const pairs = Object.entries(seed.labels)
    .map(([key, value]) => `${key}="${value}"`)
    .sort();
  return pairs.length === 0 ? seed.name : `${seed.name}{${pairs.join(',')}}`;
}

/** Nearest-rank quantile, which is what a t-digest answers while every sample is its own centroid. */
function quantile(values: readonly number[], level: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(level * sorted.length) - 1)] ?? Number.NaN;
}

function expectedMetrics(selection: MetricSelection): Map<string, Row[]> {
  const from = METRICS_TIME.from.getTime();
  const to = METRICS_TIME.to.getTime();
  const step = METRICS_TIME.intervalMs;
  const chosen = SAMPLES.filter(
    (seed) =>
      seed.app === APP &&
      millis(seed.ts) >= from &&
      millis(seed.ts) <= to &&
      (selection.label === null || selection.label.values.includes(seed.labels[selection.label.key] ?? '')),
  );
  const ofType = (type: SeedSample['type']) => chosen.filter((seed) => seed.type === type);
  const bucket = (seed: SeedSample) => floorTo(millis(seed.ts), step);
  const perBucketAndSeries = (type: SeedSample['type']) =>
    [...groupBy(ofType(type), (seed) => `${bucket(seed)}|${seriesName(seed)}`).values()].map((samples) => ({
      time: dateTime(bucket(samples[0] as SeedSample)),
      series: seriesName(samples[0] as SeedSample),
      samples,
    }));
  const lastOf = (samples: readonly SeedSample[]) =>
    [...samples].sort((a, b) => millis(a.ts) - millis(b.ts) || a.value - b.value).at(-1)?.value;
  const sum = (samples: readonly SeedSample[]) => samples.reduce((total, seed) => total + seed.value, 0);
  const values = (samples: readonly SeedSample[]) => samples.map((seed) => seed.value);

  const histograms = ofType('histogram');
  const heatmap = [...groupBy(histograms, (seed) => String(bucket(seed)))].flatMap(([time, samples]) => {
    const bounds = [...BOUNDS.map(String), '+Inf'];
    const below = [...BOUNDS, Number.POSITIVE_INFINITY];
    return bounds.map((le, index) => ({
      time: dateTime(Number(time)),
      le,
      count: samples.filter(
        (seed) => seed.value <= (below[index] ?? 0) && (index === 0 || seed.value > (below[index - 1] ?? 0)),
      ).length,
    }));
  });

  return new Map<string, Row[]>([
    [
      'Counter rates',
      perBucketAndSeries('counter')
        .map(({ time, series, samples }) => ({ time, series, per_second: sum(samples) / (step / 1000) }))
        .sort(byKeys('time', 'series')),
    ],
    [
      'Counter totals',
      [...groupBy(ofType('counter'), seriesName)]
        .map(([series, samples]) => ({ series, total: sum(samples), samples: samples.length }))
        .sort(byKeys('series')),
    ],
    [
      'Gauges',
      perBucketAndSeries('gauge')
        .map(({ time, series, samples }) => ({ time, series, value: lastOf(samples) }))
        .sort(byKeys('time', 'series')),
    ],
    [
      'Gauges now',
      [...groupBy(ofType('gauge'), seriesName)]
        .map(([series, samples]) => ({
          series,
          last: lastOf(samples),
          min: Math.min(...values(samples)),
          max: Math.max(...values(samples)),
        }))
        .sort(byKeys('series')),
    ],
    [
      'Histogram quantiles',
      perBucketAndSeries('histogram')
        .map(({ time, series, samples }) => ({
          time,
          series,
          p50: quantile(values(samples), 0.5),
          p95: quantile(values(samples), 0.95),
          p99: quantile(values(samples), 0.99),
        }))
        .sort(byKeys('time', 'series')),
    ],
    ['Histogram buckets', heatmap],
  ]);
}

/** 64-bit integers arrive as strings: both sides compare integer text as numbers. */
function normalized(rows: readonly Row[]): Row[] {
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => [
        key,
        typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value,
      ]),
    ),
  );
}

// ---------------------------------------------------------------------------------------------

let ch: ClickHouse;
let dataDir: string;
let product: Dashboard;
let metrics: Dashboard;
let pipeline: Dashboard;

beforeAll(async () => {
  dataDir = await tempDir('grafana');
  ch = await createEmbeddedClickHouse({ dataDir, database: 'analytics', logger: silentLogger() });
  await runMigrations(ch, { logger: silentLogger(), log: () => {} });
  await ch.insert('events', EVENTS.map(eventRow));
  await ch.insert('metric_samples', SAMPLES.map(sampleRow));
  const load = (file: string) => loadDashboard(path.join(DASHBOARDS, file));
  [product, metrics, pipeline] = await Promise.all([
    load('product-analytics.json'),
    load('custom-metrics.json'),
    load('pipeline-health.json'),
  ]);
});

afterAll(async () => {
  await ch?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Runs every ClickHouse panel and checks that each one has an expectation and meets it. */
async function expectPanels(
  dashboard: Dashboard,
  time: DashboardTime,
  selections: Record<string, VariableValue>,
  expected: Map<string, Row[]>,
): Promise<void> {
  const { panels } = await runDashboard(dashboard, { ch, time, selections });
  expect([...panels.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [title, rows] of panels) {
    expect({ title, rows: normalized(rows) }).toEqual({ title, rows: normalized(expected.get(title) ?? []) });
  }
}

describe('dashboard files', () => {
  const dashboards = () => [product, metrics, pipeline];

  it('are Grafana dashboards with unique uids, schemaVersion 39 and UTC time', () => {
    for (const dashboard of dashboards()) {
      expect(dashboard.schemaVersion).toBe(39);
      expect(dashboard.timezone).toBe('utc');
      expect(dashboard.uid).toMatch(/^clickstream-[a-z-]+$/);
      expect(dashboard.uid.length).toBeLessThanOrEqual(40);
    }
    expect(new Set(dashboards().map((dashboard) => dashboard.uid)).size).toBe(3);
  });

  it('lay panels out on the 24-column grid without overlaps and with unique ids', () => {
    for (const dashboard of dashboards()) {
      const panels = allPanels(dashboard);
      expect(new Set(panels.map((panel) => panel.id)).size).toBe(panels.length);
      for (const { gridPos, title } of panels) {
        expect({
          title,
          fits: gridPos.x >= 0 && gridPos.w > 0 && gridPos.h > 0 && gridPos.x + gridPos.w <= 24,
        }).toEqual({
          title,
          fits: true,
        });
      }
      const overlap = (a: DashboardPanel, b: DashboardPanel) =>
        a.gridPos.x < b.gridPos.x + b.gridPos.w &&
        b.gridPos.x < a.gridPos.x + a.gridPos.w &&
        a.gridPos.y < b.gridPos.y + b.gridPos.h &&
        b.gridPos.y < a.gridPos.y + a.gridPos.h;
      const overlapping = panels.flatMap((a, i) =>
        panels
          .slice(i + 1)
          .filter((b) => overlap(a, b))
          .map((b) => `${a.title} / ${b.title}`),
      );
      expect(overlapping).toEqual([]);
    }
  });

  it('query the provisioned data sources, ClickHouse panels as raw SQL with a frame format', () => {
    for (const dashboard of dashboards()) {
      for (const panel of allPanels(dashboard)) {
        for (const target of panel.targets ?? []) {
          const datasource = targetDatasource(panel, target);
          expect([CLICKHOUSE_DATASOURCE, PROMETHEUS_DATASOURCE]).toContainEqual(datasource);
          if (datasource?.uid === CLICKHOUSE_DATASOURCE.uid) {
            expect(target).toMatchObject({ queryType: 'sql', editorType: 'sql', rawSql: expect.any(String) });
            // 0 time series, 1 table (sqlutil's FormatQueryOption): what the panel type draws.
            const timeSeries = panel.type === 'timeseries' || panel.type === 'heatmap';
            expect({ panel: panel.title, format: target.format }).toEqual({
              panel: panel.title,
              format: timeSeries ? 0 : 1,
            });
          } else {
            expect(target.expr).toEqual(expect.any(String));
          }
        }
      }
      for (const variable of dashboard.templating.list.filter((candidate) => candidate.type === 'query')) {
        expect([CLICKHOUSE_DATASOURCE, PROMETHEUS_DATASOURCE]).toContainEqual(variable.datasource);
      }
    }
  });
});

describe('provisioning', () => {
  it('defines the ClickHouse and Prometheus data sources the dashboards use', async () => {
    const text = await readFile(path.join(PROVISIONING, 'datasources', 'clickstream.yaml'), 'utf8');
    const entries = text.split(/^\s+- name: /m).slice(1);
    const field = (entry: string, name: string) =>
      new RegExp(`^\\s+${name}: (.+)$`, 'm').exec(entry)?.[1]?.trim();
    const clickhouse = entries.find((entry) => field(entry, 'uid') === CLICKHOUSE_DATASOURCE.uid) ?? '';
    expect(field(clickhouse, 'type')).toBe(CLICKHOUSE_DATASOURCE.type);
    expect(field(clickhouse, 'protocol')).toBe('http');
    expect(field(clickhouse, 'port')).toBe('8123');
    expect(field(clickhouse, 'username')).toBe('grafana_reader');
    expect(field(clickhouse, 'password')).toBe('${GRAFANA_CLICKHOUSE_PASSWORD}');
    const prometheus = entries.find((entry) => field(entry, 'uid') === PROMETHEUS_DATASOURCE.uid) ?? '';
    expect(field(prometheus, 'type')).toBe(PROMETHEUS_DATASOURCE.type);
    expect(field(prometheus, 'url')).toBe('http://prometheus:9090');
  });

  it('loads the dashboards folder from the path the README mounts it at', async () => {
    const text = await readFile(path.join(PROVISIONING, 'dashboards', 'clickstream.yaml'), 'utf8');
    const readme = await readFile(path.join(HERE, 'README.md'), 'utf8');
    const mountedAt = /^\s+path: (.+)$/m.exec(text)?.[1]?.trim() ?? '';
    expect(mountedAt).not.toBe('');
    expect(readme).toContain(`./grafana/dashboards:${mountedAt}:ro`);
  });
});

describe('Product analytics', () => {
  it('lists the apps and event types in the range', async () => {
    const variables = await resolveVariables(product, { ch, time: PRODUCT_TIME, selections: { app: APP } });
    const options = Object.fromEntries(variables.map((variable) => [variable.name, variable.options]));
    expect(options).toEqual({
      app: [APP, OTHER_APP],
      event_type: ['identify', 'pageview', 'track'],
      funnel_steps: ['pageview,add_to_cart,purchase'],
      funnel_window: ['1800', '3600', '86400', '604800'],
    });
  });

  it('answers every panel for all event types', async () => {
    await expectPanels(product, PRODUCT_TIME, { app: APP }, expectedProduct({ eventTypes: null }));
  });

  it('answers every panel for a multi-value event type selection', async () => {
    const eventTypes = ['identify', 'track'];
    await expectPanels(
      product,
      PRODUCT_TIME,
      { app: APP, event_type: eventTypes },
      expectedProduct({ eventTypes }),
    );
  });

  it('counts a funnel with other steps and a shorter window', async () => {
    const funnel = product.panels.find((panel) => panel.title === 'Funnel') as DashboardPanel;
    const steps = ['pageview', 'purchase'];
    const variables = await resolveVariables(product, {
      ch,
      time: PRODUCT_TIME,
      selections: { app: APP, funnel_steps: ` ${steps.join(' , ')} `, funnel_window: '300' },
    });
    const [result] = await runPanel(funnel, variables, { ch, time: PRODUCT_TIME });
    const inRange = EVENTS.filter((seed) => seed.app === APP && seed.ts < '2024-03-06');
    expect(normalized(result?.rows ?? [])).toEqual(expectedFunnel(inRange, steps, 300));
  });
});

describe('Custom metrics', () => {
  it('lists metrics, histograms, labels and label values from the data', async () => {
    const variables = await resolveVariables(metrics, { ch, time: METRICS_TIME, selections: { app: APP } });
    const options = Object.fromEntries(variables.map((variable) => [variable.name, variable.options]));
    expect(options).toEqual({
      app: [APP, OTHER_APP],
      metric: ['checkout_total', 'queue_depth'],
      histogram: ['request_seconds'],
      label: ['plan', 'region', 'route'],
      label_value: ['free', 'pro'],
    });
  });

  it('answers every panel for all label values', async () => {
    await expectPanels(metrics, METRICS_TIME, { app: APP }, expectedMetrics({ label: null }));
  });

  it.each([
    ['plan', ['pro']],
    ['route', ['/api']],
  ])('answers every panel for %s in %j', async (key, values) => {
    await expectPanels(
      metrics,
      METRICS_TIME,
      { app: APP, label: key, label_value: values },
      expectedMetrics({ label: { key, values } }),
    );
  });
});

describe('a range without data', () => {
  const EMPTY_TIME: DashboardTime = {
    from: new Date('2020-01-01T00:00:00.000Z'),
    to: new Date('2020-01-02T00:00:00.000Z'),
    intervalMs: 300_000,
  };

  it('leaves the app empty and every panel empty (not failing) on both ClickHouse dashboards', async () => {
    const productRun = await runDashboard(product, { ch, time: EMPTY_TIME });
    expect(productRun.variables.find((variable) => variable.name === 'app')?.current).toBe('');
    const zero = new Map<string, Row[]>([
      ['Events', [{ events: 0 }]],
      ['Unique visitors', [{ visitors: 0 }]],
      ['Sessions', [{ sessions: 0 }]],
      ['Bounce rate', [{ bounce_rate: null }]],
      ['Avg. session duration', [{ avg_duration_seconds: null }]],
    ]);
    for (const [title, rows] of productRun.panels) {
      expect({ title, rows: normalized(rows) }).toEqual({ title, rows: zero.get(title) ?? [] });
    }
    const metricsRun = await runDashboard(metrics, { ch, time: EMPTY_TIME });
    for (const [title, rows] of metricsRun.panels) expect({ title, rows }).toEqual({ title, rows: [] });
  });
});

describe('the runner', () => {
  const withSql = (panel: DashboardPanel, edit: (sql: string) => string): DashboardPanel => ({
    ...panel,
    targets: (panel.targets ?? []).map((target) => ({ ...target, rawSql: edit(target.rawSql ?? '') })),
  });
  const runBroken = async (dashboard: Dashboard, title: string, edit: (sql: string) => string) => {
    const panel = clickHousePanels(dashboard).find(
      (candidate) => candidate.title === title,
    ) as DashboardPanel;
    const variables = await resolveVariables(dashboard, { ch, time: PRODUCT_TIME, selections: { app: APP } });
    return runPanel(withSql(panel, edit), variables, { ch, time: PRODUCT_TIME });
  };

  it('fails a panel that reads a table that does not exist', async () => {
    const run = runBroken(product, 'Events by type', (sql) =>
      sql.replace('FROM events_hourly', 'FROM events_hour'),
    );
    await expect(run).rejects.toBeInstanceOf(ClickHouseError);
    await expect(run).rejects.toMatchObject({ type: 'UNKNOWN_TABLE' });
  });

  it('fails a panel that reads a column that does not exist', async () => {
    const run = runBroken(product, 'Top pages', (sql) => sql.replace('sum(event_count)', 'sum(event_total)'));
    await expect(run).rejects.toMatchObject({ type: 'UNKNOWN_IDENTIFIER' });
  });

  it('fails a panel that names a variable the dashboard does not define', async () => {
    const run = runBroken(product, 'Events', (sql) =>
      sql.replace('${app:sqlstring}', '${application:sqlstring}'),
    );
    await expect(run).rejects.toThrow(/unresolved/);
  });
});

describe('Pipeline health', () => {
  async function registeredSeries(): Promise<Set<string>> {
    const registry = new Registry();
    createEdgeMetrics(registry, { spoolBytes: () => 0, oldestPendingAt: () => undefined, now: () => 0 });
    const series = new Set<string>();
    for (const metric of await registry.getMetricsAsJSON()) {
      const names =
        String(metric.type) === 'histogram'
          ? ['_bucket', '_sum', '_count'].map((s) => metric.name + s)
          : [metric.name];
      for (const name of names) series.add(name);
    }
    return series;
  }

  function promQueries(dashboard: Dashboard): { where: string; names: string[] }[] {
    const panels = allPanels(dashboard).flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({
        where: `${panel.title} (${target.refId})`,
        names: metricNamesIn(target.expr ?? ''),
      })),
    );
    const variables = dashboard.templating.list
      .filter((variable) => variable.datasource?.uid === PROMETHEUS_DATASOURCE.uid)
      .map((variable) => ({
        where: `variable ${variable.name}`,
        names: metricNamesInVariableQuery(variableQueryText(variable)),
      }));
    return [...panels, ...variables];
  }

  it('reads metric names out of PromQL', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (le) (rate(ingest_request_duration_seconds_bucket{instance=~"$instance", le!="1e3"}[$__rate_interval])))',
      ),
    ).toEqual(['ingest_request_duration_seconds_bucket']);
    expect(metricNamesIn('sum(rate(a_total[5m] offset 1h)) / on (job) group_left b_total * 2e3')).toEqual([
      'a_total',
      'b_total',
    ]);
    expect(metricNamesInVariableQuery('label_values(ingest_requests_total, instance)')).toEqual([
      'ingest_requests_total',
    ]);
  });

  it('uses only metrics the ingest edge registers', async () => {
    const registered = await registeredSeries();
    const queries = promQueries(pipeline);
    expect(queries.length).toBeGreaterThan(10);
    for (const { where, names } of queries) {
      expect({ where, names: names.length > 0 }).toEqual({ where, names: true });
      expect({ where, unknown: names.filter((name) => !registered.has(name)) }).toEqual({
        where,
        unknown: [],
      });
    }
  });

  it('would catch a misspelled metric', async () => {
    const registered = await registeredSeries();
    const names = metricNamesIn('sum(rate(ingest_events_acepted_total[$__rate_interval]))');
    expect(names.filter((name) => !registered.has(name))).toEqual(['ingest_events_acepted_total']);
  });
});

describe('access control SQL in README.md', () => {
  async function statements(): Promise<string[]> {
    const readme = await readFile(path.join(HERE, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    return blocks
      .flatMap((block) => block.split(/;\s*$/m))
      .map((statement) =>
        statement
          .split('\n')
          .filter((line) => !line.trim().startsWith('--'))
          .join('\n')
          .trim(),
      )
      .filter((statement) => statement !== '');
  }

  it('parses, statement by statement', async () => {
    const all = await statements();
    expect(all.some((statement) => statement.startsWith('CREATE ROW POLICY'))).toBe(true);
    for (const statement of all) {
      const [row] = await ch.query<{ formatted: string }>('SELECT formatQuery({sql:String}) AS formatted', {
        params: { sql: statement },
      });
      expect(row?.formatted.split(' ')[0]).toBe(statement.split(/\s/)[0]);
    }
  });

  it("limits each policy's rows as intended on every table it names", async () => {
    const policies = (await statements()).filter((statement) => statement.startsWith('CREATE ROW POLICY'));
    expect(policies.length).toBeGreaterThanOrEqual(2);
    for (const policy of policies) {
      const parsed = /\sON\s+([\s\S]+?)\s+FOR SELECT USING\s+([\s\S]+?)\s+TO\s/.exec(policy);
      const tables = (parsed?.[1] ?? '').split(',').map((table) => table.trim());
      const example = /app_id = '([0-9a-f-]{36})'/.exec(parsed?.[2] ?? '')?.[1];
      const condition =
        example === undefined ? (parsed?.[2] ?? '') : (parsed?.[2] ?? '').replace(example, APP);
      expect(tables.length).toBe(8);
      for (const table of tables) {
        const rows = await ch.query<{ app_id: string }>(
          `SELECT DISTINCT app_id FROM ${table} WHERE ${condition} ORDER BY app_id`,
        );
        const hasRows = !table.endsWith('events_quarantine');
        const visible = example === undefined ? [APP, OTHER_APP] : [APP];
        expect({ table, apps: rows.map((row) => row.app_id) }).toEqual({
          table,
          apps: hasRows ? visible : [],
        });
      }
    }
  });

  it('cannot apply the policies on the embedded engine (no writable user directory)', async () => {
    await expect(ch.command('CREATE ROLE IF NOT EXISTS analyst_probe')).rejects.toMatchObject({
      type: 'ACCESS_DENIED',
    });
  });
});
