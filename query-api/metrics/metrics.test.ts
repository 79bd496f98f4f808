// Custom metrics against stored samples: series (counter rates and increases, gauge aggregates,
// histogram quantiles within the t-digest tolerance, label filters and splits, raw sub-minute
// steps) and the Prometheus exposition (totals, last values, cumulative buckets, HELP from the
// metric config), each recomputed in JavaScript from the generated samples.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registered } from '../../control-plane/testing/harness.ts';
import { bearer, chTime, openFixture, pick, prng, type QueryApiFixture, qs } from '../testing/index.ts';
import { type MetricSeries, renderExposition } from './index.ts';

const FROM = Date.UTC(2026, 2, 10);
const HOURS = 6;
const TO = FROM + HOURS * 3_600_000;
const BOUNDS = [0.5, 1, 2.5, 5];
// The t-digest's quantile must rank within this distance of the asked level among raw values
// (0007_metric_minutely.sql: about 1% rank error; buckets here hold ~100 samples, so allow 5%).
const RANK_TOLERANCE = 0.05;

interface Sample {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  labels: Record<string, string>;
  value: number;
  ts: number;
}

let fx: QueryApiFixture;
let owner: Registered;
let samples: Sample[];

function generateSamples(count: number, seed: number, prefix: string): Sample[] {
  const random = prng(seed);
  const metrics = [
    { name: `${prefix}http_requests_total`, type: 'counter' as const },
    { name: `${prefix}queue_depth`, type: 'gauge' as const },
    { name: `${prefix}request_seconds`, type: 'histogram' as const },
  ];
  return Array.from({ length: count }, () => {
    const metric = pick(random, metrics);
    return {
      ...metric,
      labels: {
        route: pick(random, ['/api', '/checkout', 'quo"te\\path']),
        region: pick(random, ['eu', 'us']),
      },
      // Multiples of 0.25 below 8: every sum is exact in floating point, whatever the order.
      value: Math.floor(random() * 32) / 4,
      ts: FROM + Math.floor(random() * (TO - FROM)),
    };
  });
}

beforeAll(async () => {
  fx = await openFixture('metrics');
  owner = await fx.owner();
  const other = await fx.owner();
  samples = generateSamples(6000, 81, '');
  const foreign = generateSamples(500, 82, 'other_');
  const rows = [
    ...samples.map((sample) => ({ ...sample, app_id: owner.app.id })),
    ...foreign.map((sample) => ({ ...sample, app_id: other.app.id })),
    // The other app also has a same-named metric; it must never show up in this app's answers.
    ...samples.slice(0, 200).map((sample) => ({ ...sample, app_id: other.app.id, value: 1000 })),
  ].map(({ ts, ...sample }) => ({
    ...sample,
    ts: chTime(ts),
    received_at: chTime(ts),
    bucket_bounds: sample.type === 'histogram' ? BOUNDS : [],
    retention_days: 3650,
  }));
  for (let start = 0; start < rows.length; start += 2000) {
    await fx.ch.insert('metric_samples', rows.slice(start, start + 2000));
  }
  const config = await fx.harness.request('POST', '/api/metric-configs', {
    token: owner.accessToken,
    body: {
      appId: owner.app.id,
      name: 'http_requests_total',
      type: 'counter',
      help: 'Requests served',
      labelNames: ['route', 'region'],
    },
  });
  expect(config.status).toBe(201);
});
afterAll(() => fx?.close());

function series(name: string, params: Record<string, string | string[]>) {
  return fx.json<MetricSeries>(
    `/api/analytics/metrics/${name}/series?${qs({ appId: owner.app.id, startDate: chTime(FROM).replace(' ', 'T').concat('Z'), endDate: chTime(TO).replace(' ', 'T').concat('Z'), ...params })}`,
    bearer(owner),
  );
}

function buckets(name: string, stepMs: number, filter: (sample: Sample) => boolean = () => true): Sample[][] {
  const out: Sample[][] = Array.from({ length: Math.ceil((TO - FROM) / stepMs) }, () => []);
  for (const sample of samples) {
    if (sample.name === name && filter(sample)) out[Math.floor((sample.ts - FROM) / stepMs)]?.push(sample);
  }
  return out;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const last = (group: Sample[]) =>
  group.reduce<Sample | undefined>(
    (best, sample) =>
      !best || sample.ts > best.ts || (sample.ts === best.ts && sample.value > best.value) ? sample : best,
    undefined,
  )?.value ?? null;

describe('GET /api/analytics/metrics/:name/series', () => {
  it('gives a counter rate per 5 minutes from the minutely rollup', async () => {
    const answer = await series('http_requests_total', { step: '5m' });
    expect(answer).toMatchObject({ type: 'counter', aggregation: 'rate', stepSeconds: 300 });
    expect(answer.sources.series).toMatch(/^metric_minutely/);
    expect(answer.series).toHaveLength(1);
    const expected = buckets('http_requests_total', 300_000).map(
      (group) => sum(group.map((s) => s.value)) / 300,
    );
    expect(answer.series[0]?.points.map((point) => point.value)).toEqual(expected);
    expect(answer.series[0]?.points[0]?.start).toBe('2026-03-10T00:00:00.000+00:00');
  });

  it('filters by label and splits by another into one series per value', async () => {
    const answer = await series('http_requests_total', {
      step: '1h',
      aggregation: 'increase',
      label: ['route:/api'],
      by: ['region'],
    });
    expect(answer.series.map((s) => s.labels)).toEqual([{ region: 'eu' }, { region: 'us' }]);
    for (const line of answer.series) {
      const expected = buckets(
        'http_requests_total',
        3_600_000,
        (s) => s.labels.route === '/api' && s.labels.region === line.labels.region,
      );
      expect(line.points.map((point) => point.value)).toEqual(
        expected.map((group) => sum(group.map((s) => s.value))),
      );
    }
  });

  it.each([
    ['avg', (group: Sample[]) => (group.length === 0 ? null : sum(group.map((s) => s.value)) / group.length)],
    ['min', (group: Sample[]) => (group.length === 0 ? null : Math.min(...group.map((s) => s.value)))],
    ['max', (group: Sample[]) => (group.length === 0 ? null : Math.max(...group.map((s) => s.value)))],
    ['last', last],
    ['count', (group: Sample[]) => group.length],
  ] as const)('aggregates a gauge with %s', async (aggregation, expected) => {
    const answer = await series('queue_depth', { step: '1h', aggregation });
    const want = buckets('queue_depth', 3_600_000).map(expected);
    const got = answer.series[0]?.points.map((point) => point.value) ?? [];
    expect(got).toHaveLength(want.length);
    for (const [index, value] of want.entries()) {
      if (value === null) expect(got[index]).toBeNull();
      else expect(got[index]).toBeCloseTo(value, 9);
    }
  });

  it('gives histogram quantiles within the t-digest tolerance', async () => {
    for (const aggregation of ['p50', 'p95'] as const) {
      const level = aggregation === 'p50' ? 0.5 : 0.95;
      const answer = await series('request_seconds', { step: '1h', aggregation });
      const groups = buckets('request_seconds', 3_600_000);
      for (const [index, point] of (answer.series[0]?.points ?? []).entries()) {
        const values = (groups[index] ?? []).map((s) => s.value);
        expect(values.length).toBeGreaterThan(50);
        const rankBelow = values.filter((value) => value < (point.value ?? 0)).length / values.length;
        const rankAtOrBelow = values.filter((value) => value <= (point.value ?? 0)).length / values.length;
        expect(rankBelow - RANK_TOLERANCE, `${aggregation} bucket ${index}`).toBeLessThanOrEqual(level);
        expect(rankAtOrBelow + RANK_TOLERANCE, `${aggregation} bucket ${index}`).toBeGreaterThanOrEqual(
          level,
        );
      }
    }
  });

  it('reads raw samples for a sub-minute step', async () => {
    const answer = await series('request_seconds', {
      step: '30s',
      aggregation: 'count',
      startDate: '2026-03-10T01:00:00Z',
      endDate: '2026-03-10T02:00:00Z',
    });
    expect(answer.sources.series).toMatch(/^metric_samples/);
    const from = Date.parse('2026-03-10T01:00:00Z');
    const expected = Array.from(
      { length: 120 },
      (_, index) =>
        samples.filter(
          (s) =>
            s.name === 'request_seconds' &&
            s.ts >= from + index * 30_000 &&
            s.ts < from + (index + 1) * 30_000,
        ).length,
    );
    expect(answer.series[0]?.points.map((point) => point.value)).toEqual(expected);
  });

  it('answers 404 for a metric the app never sent, and 400 for an aggregation its type lacks', async () => {
    const unknown = await fx.get(
      `/api/analytics/metrics/other_queue_depth/series?${qs({ appId: owner.app.id })}`,
      bearer(owner),
    );
    expect(unknown.status).toBe(404);
    const wrong = await fx.get(
      `/api/analytics/metrics/queue_depth/series?${qs({ appId: owner.app.id, aggregation: 'rate' })}`,
      bearer(owner),
    );
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('invalid_aggregation');
  });
});

/** The exposition computed from the samples (sorted as Prometheus families and label sets). */
function expectedExposition(): string {
  const lines: string[] = [];
  const quoted = (value: string) => value.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
  const labelsOf = (labels: Record<string, string>, le?: string) =>
    `{region="${quoted(labels.region ?? '')}",route="${quoted(labels.route ?? '')}"${le === undefined ? '' : `,le="${le}"`}}`;
  for (const name of ['http_requests_total', 'queue_depth', 'request_seconds']) {
    const mine = samples.filter((s) => s.name === name);
    const type = mine[0]?.type;
    if (name === 'http_requests_total') lines.push(`# HELP ${name} Requests served`);
    lines.push(`# TYPE ${name} ${type}`);
    const sets = [...new Set(mine.map((s) => labelsOf(s.labels)))].sort();
    for (const set of sets) {
      const group = mine.filter((s) => labelsOf(s.labels) === set);
      const labels = group[0]?.labels ?? {};
      if (type === 'counter') lines.push(`${name}${set} ${sum(group.map((s) => s.value))}`);
      if (type === 'gauge') lines.push(`${name}${set} ${last(group)}`);
      if (type === 'histogram') {
        for (const bound of BOUNDS) {
          lines.push(
            `${name}_bucket${labelsOf(labels, String(bound))} ${group.filter((s) => s.value <= bound).length}`,
          );
        }
        lines.push(`${name}_bucket${labelsOf(labels, '+Inf')} ${group.length}`);
        lines.push(`${name}_sum${set} ${sum(group.map((s) => s.value))}`);
        lines.push(`${name}_count${set} ${group.length}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

describe('GET /api/analytics/metrics/prometheus', () => {
  it('exposes totals, last values and cumulative buckets to a scraper with a read key', async () => {
    const response = await fx.get(`/api/analytics/metrics/prometheus?${qs({ appId: owner.app.id })}`, {
      headers: { authorization: `Bearer ${owner.keys.server.key}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toBe(expectedExposition());
    expect(text).not.toContain('other_');
    const owned = await fx.get(
      `/api/analytics/metrics/prometheus?${qs({ appId: owner.app.id })}`,
      bearer(owner),
    );
    expect(await owned.text()).toBe(text);
  });

  it('escapes label values and help text, and keeps one type per family', () => {
    const row = {
      name: 'jobs_total',
      labels: { queue: 'a"b\\c\nd', __hidden: 'x' },
      bucket_bounds: [],
      count: '2',
      sum: 3,
      last: 1,
      buckets: [],
    };
    const text = renderExposition(
      [
        { ...row, type: 'counter', latest: '100' },
        { ...row, type: 'gauge', latest: '50', sum: 99 },
      ],
      new Map([['jobs_total', 'Jobs\\done\ntoday']]),
    );
    expect(text).toBe(
      '# HELP jobs_total Jobs\\\\done\\ntoday\n# TYPE jobs_total counter\njobs_total{queue="a\\"b\\\\c\\nd"} 3\n',
    );
  });
});
