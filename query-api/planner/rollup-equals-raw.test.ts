// Property: whatever the planner picks (rollup, raw, or rollup days plus raw edges), the answer
// equals the raw table's. Random events (a new seed every run, printed with every failure) go
// in through ordinary batched inserts; then random questions (summary, timeline, breakdown,
// overview, metric series) with random ranges, zones, intervals, dimensions and filters are
// answered twice, planned and forced raw.
// Counts and sums must be exactly equal. Unique counts must agree within the tolerance stated in
// 0003_events_hourly.sql (1%); uniqCombined64 merges deterministically, so in practice they
// are equal too, including above its exact-mode threshold where it is a HyperLogLog.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedClickHouse } from '../../clickhouse/embedded/index.ts';
import type { ClickHouse } from '../../clickhouse/index.ts';
import { runMigrations } from '../../clickhouse/migrations/index.ts';
import { silentLogger } from '../../runtime/logger/index.ts';
import { tempDir } from '../../runtime/testing/services.ts';
import { queryBreakdown } from '../breakdown/index.ts';
import { queryMetricSeries } from '../metrics/index.ts';
import { queryOverview } from '../overview/index.ts';
import { querySummary } from '../summary/index.ts';
import {
  BREAKDOWN_UNIQUE_COUNT_TOLERANCE,
  chTime,
  generateEvents,
  insertEvents,
  pick,
  prng,
  UNIQUE_COUNT_TOLERANCE,
} from '../testing/index.ts';
import { previousPeriod, resolveRange, type TimeRange } from '../time-range/index.ts';
import { INTERVALS, queryTimeline, timelineBuckets } from '../timeline/index.ts';
import type { Dimension, SourcePreference } from './index.ts';

const SEED = Number(process.env.TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
const QUESTIONS = 80;
const DATA_FROM = Date.UTC(2026, 1, 2);
const DATA_TO = Date.UTC(2026, 2, 16);
// Enough visitors that long ranges pass uniqCombined64's exact mode (~4,000 values per state).
const VISITORS = 5_000;
const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'Atlantic/Reykjavik',
];
const EVENT_TYPES = [undefined, undefined, 'pageview', 'track', 'identify', 'screen'];
const ROLLUP_DIMENSIONS: Dimension[] = [
  { name: 'browser' },
  { name: 'os' },
  { name: 'device' },
  { name: 'path' },
  { name: 'referrer' },
  { name: 'country' },
];
const METRICS = [
  { name: 'jobs_total', type: 'counter' as const, aggregations: ['rate', 'increase', 'count'] as const },
  {
    name: 'queue_depth',
    type: 'gauge' as const,
    aggregations: ['avg', 'min', 'max', 'last', 'sum'] as const,
  },
];
const DAY = 86_400_000;
const HOUR = 3_600_000;

const appId = randomUUID();
let ch: ClickHouse;
let dataDir: string;
const random = prng(SEED);
const stats = { questions: 0, rollups: 0, splits: 0, beyondExactMode: 0 };

beforeAll(async () => {
  dataDir = await tempDir('qa-property');
  ch = await createEmbeddedClickHouse({ dataDir, database: 'analytics', logger: silentLogger() });
  await runMigrations(ch, { logger: silentLogger(), log: () => {} });
  await insertEvents(
    ch,
    generateEvents({ appId, seed: SEED, from: DATA_FROM, to: DATA_TO, visitors: VISITORS }),
  );
  const samples = Array.from({ length: 20_000 }, () => {
    const metric = pick(random, METRICS);
    const ts = chTime(DATA_FROM + Math.floor(random() * 3 * DAY));
    return {
      app_id: appId,
      name: metric.name,
      type: metric.type,
      labels: { shard: pick(random, ['a', 'b', 'c']) },
      // Multiples of 0.25: sums are exact in any order, so rollup and raw sums compare exactly.
      value: Math.floor(random() * 400) / 4,
      ts,
      received_at: ts,
      retention_days: 3650,
    };
  });
  for (let start = 0; start < samples.length; start += 5_000) {
    await ch.insert('metric_samples', samples.slice(start, start + 5_000));
  }
}, 120_000);

afterAll(async () => {
  await ch?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const int = (below: number) => Math.floor(random() * below);

/** A random range of one of the shapes the planner distinguishes. */
function randomRange(timeZone: string, maxDays: number): TimeRange {
  const shape = pick(random, ['utc-days', 'utc-hours', 'local-days', 'unaligned'] as const);
  const span = DATA_TO - DATA_FROM;
  if (shape === 'local-days') {
    const day = new Date(DATA_FROM - 2 * DAY + int(span / DAY) * DAY).toISOString().slice(0, 10);
    const end = new Date(Date.parse(day) + int(maxDays) * DAY).toISOString().slice(0, 10);
    const result = resolveRange({ startDate: day, endDate: end }, timeZone, DATA_TO);
    if (result.ok) return result.value;
  }
  const unit = shape === 'utc-days' ? DAY : shape === 'utc-hours' ? HOUR : 1;
  const from = Math.floor((DATA_FROM - 2 * DAY + int(span)) / unit) * unit;
  const length = Math.max(unit, Math.floor((1 + int(maxDays * DAY)) / unit) * unit);
  return { from, to: from + length, timeZone };
}

const isUnique = (path: string) =>
  /uniqueUsers$/.test(path) || /^(totals|eventTypes\.\d+|buckets\.\d+)\.sessions$/.test(path);

/**
 * Deep equality, with unique counts allowed the stated tolerance; returns the differences.
 * Breakdown rows (objects with a `value`) count visitors with uniqCombined64(12), whose exact
 * mode ends at 128 values: there a merged state and a state built in one pass can differ by a
 * few percent, so their subtree gets that precision's tolerance.
 */
function differences(
  planned: unknown,
  raw: unknown,
  path = '',
  tolerance = UNIQUE_COUNT_TOLERANCE,
): string[] {
  if (typeof planned === 'number' && typeof raw === 'number' && isUnique(path)) {
    return Math.abs(planned - raw) <= Math.ceil(raw * tolerance) ? [] : [`${path}: ${planned} vs ${raw}`];
  }
  if (typeof planned !== 'object' || planned === null || typeof raw !== 'object' || raw === null) {
    return Object.is(planned, raw) ? [] : [`${path}: ${JSON.stringify(planned)} vs ${JSON.stringify(raw)}`];
  }
  const keys = new Set([...Object.keys(planned), ...Object.keys(raw)]);
  keys.delete('sources');
  const within = 'value' in planned ? BREAKDOWN_UNIQUE_COUNT_TOLERANCE : tolerance;
  return [...keys].flatMap((key) =>
    differences(
      (planned as Record<string, unknown>)[key],
      (raw as Record<string, unknown>)[key],
      path === '' ? key : `${path}.${key}`,
      within,
    ),
  );
}

function usedRollup(sources: Readonly<Record<string, string>>): boolean {
  return Object.values(sources).some(
    (source) => !source.startsWith('events:') && !source.startsWith('metric_samples:'),
  );
}

function countBeyondExact(answer: unknown): void {
  const text = JSON.stringify(answer);
  for (const match of text.matchAll(/"uniqueUsers":(\d+)/g)) {
    if (Number(match[1]) > 4_096) {
      stats.beyondExactMode += 1;
      return;
    }
  }
}

/**
 * The whole data range, every event type: its visitor counts (VISITORS) are past the exact mode,
 * so every seed compares some HyperLogLog estimates, whatever the random questions turn out to be.
 */
function wholeRangeSummary(): ReturnType<typeof randomQuestion> {
  const range: TimeRange = { from: DATA_FROM, to: DATA_TO, timeZone: 'UTC' };
  return {
    label: `summary ${JSON.stringify({ range })}`,
    ask: (prefer) => querySummary(ch, { appId, range }, prefer),
  };
}

/** One random question, as a function of the source preference. */
function randomQuestion(): {
  label: string;
  ask: (prefer: SourcePreference) => Promise<{ sources: Record<string, string> }>;
} {
  const timeZone = pick(random, ZONES);
  const eventType = pick(random, EVENT_TYPES);
  const kind = pick(random, ['summary', 'timeline', 'breakdown', 'overview', 'metric'] as const);
  if (kind === 'summary') {
    const range = randomRange(timeZone, 30);
    return {
      label: `summary ${JSON.stringify({ range, eventType })}`,
      ask: (prefer) => querySummary(ch, { appId, range, eventType }, prefer),
    };
  }
  if (kind === 'timeline') {
    const interval = pick(
      random,
      INTERVALS.filter((unit) => unit !== 'minute'),
    );
    const range = randomRange(timeZone, interval === 'hour' ? 20 : 40);
    const buckets = timelineBuckets(range, interval) ?? [];
    return {
      label: `timeline ${JSON.stringify({ range, interval, eventType })}`,
      ask: (prefer) => queryTimeline(ch, { appId, range, interval, eventType }, buckets, prefer),
    };
  }
  if (kind === 'breakdown') {
    const range = randomRange(timeZone, 40);
    const dimensions = ROLLUP_DIMENSIONS.filter(() => random() < 0.4);
    if (dimensions.length === 0) dimensions.push(pick(random, ROLLUP_DIMENSIONS));
    const previous = random() < 0.5 ? previousPeriod(range) : undefined;
    const limit = 1 + int(15);
    return {
      label: `breakdown ${JSON.stringify({ range, dimensions, eventType, limit, previous: Boolean(previous) })}`,
      ask: async (prefer) => {
        const answer = await queryBreakdown(
          ch,
          { appId, range, previous, dimensions, eventType, limit },
          prefer,
        );
        return {
          rows: Object.fromEntries(answer.rows),
          sources: { rows: `${answer.plan.source}: ${answer.plan.reason}` },
        };
      },
    };
  }
  if (kind === 'overview') {
    const range = randomRange(timeZone, 20);
    return {
      label: `overview ${JSON.stringify({ range })}`,
      ask: (prefer) => queryOverview(ch, { appId, range }, prefer),
    };
  }
  const metric = pick(random, METRICS);
  const aggregation = pick(random, metric.aggregations);
  const stepSeconds = pick(random, [60, 300, 900, 3600, 86_400]);
  const from = DATA_FROM + int(2 * 24 * 60) * 60_000;
  const range: TimeRange = { from, to: from + (1 + int(48 * 60)) * 60_000, timeZone };
  const filters: Record<string, string> = random() < 0.3 ? { shard: pick(random, ['a', 'b', 'c']) } : {};
  const by = random() < 0.3 ? ['shard'] : [];
  return {
    label: `metric ${JSON.stringify({ range, metric: metric.name, aggregation, stepSeconds, filters, by })}`,
    ask: (prefer) =>
      queryMetricSeries(
        ch,
        { appId, name: metric.name, range, stepSeconds, aggregation, filters, by },
        metric.type,
        prefer,
      ),
  };
}

describe(`rollup equals raw (seed ${SEED})`, () => {
  it(`answers ${QUESTIONS} random questions identically from both paths`, async () => {
    for (let index = 0; index < QUESTIONS; index += 1) {
      const question = index === 0 ? wholeRangeSummary() : randomQuestion();
      const planned = await question.ask('auto');
      const raw = await question.ask('raw');
      expect(usedRollup(raw.sources), `raw path used a rollup: ${question.label}`).toBe(false);
      expect(differences(planned, raw), `seed ${SEED}, question ${index}: ${question.label}`).toEqual([]);
      stats.questions += 1;
      if (usedRollup(planned.sources)) stats.rollups += 1;
      countBeyondExact(planned);
    }
    // The property means little unless many answers really came from rollups, and some unique
    // counts were HyperLogLog estimates rather than exact sets.
    expect(stats.rollups, `seed ${SEED}: ${JSON.stringify(stats)}`).toBeGreaterThan(QUESTIONS / 4);
    expect(stats.beyondExactMode, `seed ${SEED}: ${JSON.stringify(stats)}`).toBeGreaterThan(0);
  }, 120_000);
});
