// Rollups equal raw: a few hundred thousand generated events (and metric samples) go in through
// ordinary inserts, split into many blocks so every rollup row is merged from many partial
// states; then every rollup answer is compared with the same question asked of the raw table.
// Counts, sums, min/max, argMin/argMax and bucket counts must be equal. Unique counts must be
// equal too: uniqCombined64 is order-independent, so merged states and a single pass over the
// raw rows agree exactly, provided the raw side uses the same precision as the rollup's states
// (uniqCombined64(12) for events_daily_dims since 0008). The test makes sure some groups pass
// each precision's exact-mode threshold, where HyperLogLog takes over. Only the t-digest
// quantiles are compared within a tolerance.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../runtime/logger/index.ts';
import { refreshSessionDayStats, startSessionStatsRefresher } from '../rollups/session-day-stats.ts';
import type { QueryParams } from '../types.ts';
import {
  compareAnswers,
  DIMS_PER_DAY,
  type DimsQuestion,
  dimsQuestion,
  EVENTS_DAILY_PER_DAY,
  IN_APPS,
  INSERT_METRIC_SAMPLES_SQL,
  insertEventsSql,
  type MigratedEngine,
  openMigratedEngine,
  SESSION_DAY_COUNTS,
  SESSION_DAY_STATS,
  SESSIONS_PER_DAY,
  SESSIONS_RAW,
  UNIQ_12_EXACT_MODE_LIMIT,
  UNIQ_12_TOLERANCE,
  VISITORS_RAW,
} from './fixtures.ts';

// 300k events in 4 inserts; each insert is cut into blocks of 16k rows, so each view writes
// ~19 partial states per insert and every query has to merge them.
const EVENT_INSERTS = 4;
const EVENTS_PER_INSERT = 75_000;
const TOTAL_EVENTS = EVENT_INSERTS * EVENTS_PER_INSERT;
const BLOCK_ROWS = 16_384;
// 40k sessions of ~7.5 events; 20k visitors, i.e. 5k per app: above uniqCombined64's exact
// mode (about 4k values per state), so the HyperLogLog path is compared too.
const SESSIONS = 40_000;
const VISITORS = 20_000;
const APPS = 4;
const METRIC_SAMPLES = 60_000;
// Above this many distinct values a uniqCombined64 state is a HyperLogLog sketch (2^(17 - 5);
// for events_daily_dims's uniqCombined64(12) see UNIQ_12_EXACT_MODE_LIMIT).
const UNIQ_EXACT_MODE_LIMIT = 4_096;
// The t-digest's p95 must rank between p93 and p97 among the raw values.
const P95_RANK_TOLERANCE = 0.02;

const apps = Array.from({ length: APPS }, () => randomUUID());
const params: QueryParams = { apps };
let engine: MigratedEngine;

beforeAll(async () => {
  engine = await openMigratedEngine('rollups');
  const blocks = {
    max_block_size: BLOCK_ROWS,
    max_insert_block_size: BLOCK_ROWS,
    min_insert_block_size_rows: 0,
  };
  for (let insert = 0; insert < EVENT_INSERTS; insert += 1) {
    await engine.ch.command(insertEventsSql(SESSIONS, VISITORS), {
      params: { apps, offset: insert * EVENTS_PER_INSERT, count: EVENTS_PER_INSERT },
      settings: blocks,
    });
  }
  for (let insert = 0; insert < 2; insert += 1) {
    await engine.ch.command(INSERT_METRIC_SAMPLES_SQL, {
      params: { apps, offset: insert * (METRIC_SAMPLES / 2), count: METRIC_SAMPLES / 2 },
      settings: blocks,
    });
  }
}, 120_000);

afterAll(async () => {
  await engine?.dispose();
});

async function expectEqualAnswers(rollup: string, raw: string, minimumRows: number): Promise<void> {
  const result = await compareAnswers(engine.ch, rollup, raw, params);
  expect(result.onlyInRollup).toEqual([]);
  expect(result.onlyInRaw).toEqual([]);
  expect(result.rollupRows).toBe(result.rawRows);
  expect(result.rawRows).toBeGreaterThanOrEqual(minimumRows);
}

/**
 * events_daily_dims equals raw, unique counts included; in groups of exactly 128 distinct values,
 * where uniqCombined64(12) depends on insert order (see UNIQ_12_EXACT_MODE_LIMIT), the rollup is
 * within the sketch's tolerance of the exact count instead.
 */
async function expectDimsEqualRaw(question: DimsQuestion, minimumRows: number): Promise<void> {
  await expectEqualAnswers(question.rollup, question.raw, minimumRows);
  const [boundary] = await engine.ch.query<{ groups: string; worst: number }>(question.boundary, { params });
  expect(Number(boundary?.worst)).toBeLessThan(UNIQ_12_TOLERANCE);
}

/** How many rows of `sql` have `column` above `limit`. */
async function rowsAbove(sql: string, column: string, limit: number): Promise<number> {
  const [row] = await engine.ch.query<{ rows: string }>(
    `SELECT countIf(${column} > ${limit}) AS rows FROM (${sql})`,
    { params },
  );
  return Number(row?.rows);
}

// The generated data covers parts of four UTC days (see eventsSelect).
const DAYS = 4;

describe('events_hourly', () => {
  it('stores every inserted event once', async () => {
    const [row] = await engine.ch.query<{ events: string }>(
      `SELECT sum(event_count) AS events FROM events_hourly WHERE ${IN_APPS}`,
      { params },
    );
    expect(Number(row?.events)).toBe(TOTAL_EVENTS);
  });

  it('equals raw per app, event type and hour', async () => {
    await expectEqualAnswers(
      `SELECT app_id, event_type, hour, sum(event_count), uniqCombined64Merge(unique_visitors),
              uniqCombined64Merge(unique_sessions)
       FROM events_hourly WHERE ${IN_APPS} GROUP BY app_id, event_type, hour`,
      `SELECT app_id, event_type, toStartOfHour(ts), count(), ${VISITORS_RAW}, ${SESSIONS_RAW}
       FROM events WHERE ${IN_APPS} GROUP BY app_id, event_type, toStartOfHour(ts)`,
      APPS * 5 * 72,
    );
  });

  it('equals raw per app over the whole range, where unique counts are HyperLogLog sketches', async () => {
    const raw = `SELECT app_id, count() AS events, ${VISITORS_RAW} AS visitors, ${SESSIONS_RAW} AS sessions
                 FROM events WHERE ${IN_APPS} GROUP BY app_id`;
    await expectEqualAnswers(
      `SELECT app_id, sum(event_count), uniqCombined64Merge(unique_visitors), uniqCombined64Merge(unique_sessions)
       FROM events_hourly WHERE ${IN_APPS} GROUP BY app_id`,
      raw,
      APPS,
    );
    const totals = await engine.ch.query<{ visitors: string; sessions: string }>(raw, { params });
    for (const row of totals) {
      expect(Number(row.visitors)).toBeGreaterThan(UNIQ_EXACT_MODE_LIMIT);
      expect(Number(row.sessions)).toBeGreaterThan(UNIQ_EXACT_MODE_LIMIT);
    }
  });

  it('counts visitors within the documented tolerance of the exact distinct count', async () => {
    const [row] = await engine.ch.query<{ approx: string; exact: string }>(
      `SELECT ${VISITORS_RAW} AS approx, uniqExactIf(visitor_id, visitor_id != '') AS exact
       FROM events WHERE ${IN_APPS}`,
      { params },
    );
    // 1% is three standard errors of a 2^17-cell HyperLogLog (see 0003_events_hourly.sql).
    expect(Math.abs(Number(row?.approx) / Number(row?.exact) - 1)).toBeLessThan(0.01);
  });
});

describe('events_daily', () => {
  it('stores every inserted event once', async () => {
    const [row] = await engine.ch.query<{ events: string }>(
      `SELECT sum(event_count) AS events FROM events_daily WHERE ${IN_APPS}`,
      { params },
    );
    expect(Number(row?.events)).toBe(TOTAL_EVENTS);
  });

  it('equals raw per app and day: events, page views, unique visitors and sessions', async () => {
    await expectEqualAnswers(EVENTS_DAILY_PER_DAY.rollup, EVENTS_DAILY_PER_DAY.raw, APPS * DAYS);
  });

  it('equals raw per app over the whole range, where unique counts are HyperLogLog sketches', async () => {
    const raw = `SELECT app_id, count(), countIf(event_type = 'pageview'), ${VISITORS_RAW} AS visitors,
                        ${SESSIONS_RAW} AS sessions
                 FROM events WHERE ${IN_APPS} GROUP BY app_id`;
    await expectEqualAnswers(
      `SELECT app_id, sum(event_count), sum(pageviews), uniqCombined64Merge(unique_visitors),
              uniqCombined64Merge(unique_sessions)
       FROM events_daily WHERE ${IN_APPS} GROUP BY app_id`,
      raw,
      APPS,
    );
    expect(await rowsAbove(raw, 'visitors', UNIQ_EXACT_MODE_LIMIT)).toBe(APPS);
    expect(await rowsAbove(raw, 'sessions', UNIQ_EXACT_MODE_LIMIT)).toBe(APPS);
  });

  it('agrees with events_hourly on every day and on the unique counts of the whole range', async () => {
    await expectEqualAnswers(
      `SELECT app_id, day, sum(event_count) FROM events_daily WHERE ${IN_APPS} GROUP BY app_id, day`,
      `SELECT app_id, toDate(hour) AS day, sum(event_count) FROM events_hourly WHERE ${IN_APPS} GROUP BY app_id, day`,
      APPS * DAYS,
    );
    await expectEqualAnswers(
      `SELECT app_id, uniqCombined64Merge(unique_visitors), uniqCombined64Merge(unique_sessions)
       FROM events_daily WHERE ${IN_APPS} GROUP BY app_id`,
      `SELECT app_id, uniqCombined64Merge(unique_visitors), uniqCombined64Merge(unique_sessions)
       FROM events_hourly WHERE ${IN_APPS} GROUP BY app_id`,
      APPS,
    );
  });
});

describe('events_daily_dims', () => {
  it('equals raw per app, day, dimension, value and event type, counting uniques with uniqCombined64(12)', async () => {
    await expectDimsEqualRaw(DIMS_PER_DAY, APPS * 3 * 200);
  });

  it('equals raw per app, dimension and value across days and event types, past the exact mode of (12)', async () => {
    const question = dimsQuestion(['app_id', 'dimension', 'value']);
    await expectDimsEqualRaw(question, APPS * 200);
    // Every path (about 375 sessions of an app each) is a HyperLogLog sketch at precision 12.
    expect(await rowsAbove(question.rawGroups, 'visitors', UNIQ_12_EXACT_MODE_LIMIT)).toBeGreaterThanOrEqual(
      APPS * 200,
    );
    expect(await rowsAbove(question.rawGroups, 'sessions', UNIQ_12_EXACT_MODE_LIMIT)).toBeGreaterThanOrEqual(
      APPS * 200,
    );
  });

  it('stores (12) states: the default precision would not read them as the same answer', async () => {
    const [row] = await engine.ch.query<{ type: string }>(
      `SELECT toTypeName(unique_visitors) AS type FROM events_daily_dims WHERE ${IN_APPS} LIMIT 1`,
      { params },
    );
    expect(row?.type).toBe('AggregateFunction(uniqCombined64(12), String)');
  });

  it('counts visitors within the documented tolerance of the exact distinct count', async () => {
    const rows = await engine.ch.query<{ approx: string; exact: string }>(
      `SELECT r.approx AS approx, e.exact AS exact
       FROM (SELECT app_id, uniqCombined64Merge(12)(unique_visitors) AS approx FROM events_daily_dims
             WHERE ${IN_APPS} AND dimension = 'browser' GROUP BY app_id) AS r
       INNER JOIN (SELECT app_id, uniqExactIf(visitor_id, visitor_id != '') AS exact FROM events
                   WHERE ${IN_APPS} GROUP BY app_id) AS e USING (app_id)`,
      { params },
    );
    expect(rows.length).toBe(APPS);
    for (const row of rows) {
      expect(Number(row.exact)).toBeGreaterThan(UNIQ_12_EXACT_MODE_LIMIT);
      // Three standard errors of a 2^12-cell HyperLogLog (see 0008_daily_rollups.sql).
      expect(Math.abs(Number(row.approx) / Number(row.exact) - 1)).toBeLessThan(UNIQ_12_TOLERANCE);
    }
  });

  it('sums every dimension to the total event count', async () => {
    const rows = await engine.ch.query<{ dimension: string; events: string }>(
      `SELECT dimension, sum(event_count) AS events FROM events_daily_dims WHERE ${IN_APPS}
       GROUP BY dimension ORDER BY dimension`,
      { params },
    );
    expect(rows.map((row) => row.dimension)).toEqual([
      'browser',
      'country',
      'device_type',
      'os',
      'path',
      'referrer_domain',
    ]);
    for (const row of rows) expect(Number(row.events)).toBe(TOTAL_EVENTS);
  });
});

describe('sessions_daily', () => {
  it('equals raw per app, UTC day and session: visitor, start, end, page views, events, entry and exit URL', async () => {
    await expectEqualAnswers(SESSIONS_PER_DAY.rollup, SESSIONS_PER_DAY.raw, SESSIONS * 0.9);
  });

  it('counts a session that runs past UTC midnight once per day it touches, each row within its day', async () => {
    const [rows] = await engine.ch.query<{ sessions: string; rows: string; outside_day: string }>(
      `SELECT uniqExact(app_id, session_id) AS sessions, count() AS rows,
              countIf(toDate(started) != day OR toDate(ended) != day) AS outside_day
       FROM (${SESSIONS_PER_DAY.rollup})`,
      { params },
    );
    const [days] = await engine.ch.query<{ most_days: string; two_days: string; across_months: string }>(
      `SELECT max(days) AS most_days, countIf(days = 2) AS two_days, countIf(months = 2) AS across_months
       FROM (SELECT app_id, session_id, uniqExact(day) AS days, uniqExact(toStartOfMonth(day)) AS months
             FROM (${SESSIONS_PER_DAY.rollup}) GROUP BY app_id, session_id)`,
      { params },
    );
    // Sessions last at most 30 minutes: some touch two days, some of those two months, none more.
    expect(Number(days?.most_days)).toBe(2);
    expect(Number(days?.two_days)).toBeGreaterThan(0);
    expect(Number(days?.across_months)).toBeGreaterThan(0);
    expect(Number(rows?.rows)).toBe(Number(rows?.sessions) + Number(days?.two_days));
    expect(Number(rows?.outside_day)).toBe(0);
  });

  it('keys each row by the hash of its session id, with one session id per app, day and key', async () => {
    const [row] = await engine.ch.query<{ keys: string; ids: string; wrong_keys: string }>(
      `SELECT uniqExact(app_id, day, session_key) AS keys, uniqExact(app_id, day, session_id) AS ids,
              countIf(session_key != cityHash64(session_id)) AS wrong_keys
       FROM sessions_daily WHERE ${IN_APPS}`,
      { params },
    );
    expect(Number(row?.wrong_keys)).toBe(0);
    expect(Number(row?.keys)).toBe(Number(row?.ids));
    // Grouped by the key, as readers that merge with FINAL or GROUP BY session_key do: the same answer.
    await expectEqualAnswers(
      `SELECT app_id, day, any(session_id), argMaxMerge(visitor_id), min(started_at), max(ended_at), sum(pageviews),
              sum(event_count), argMinMerge(entry_url), argMaxMerge(exit_url)
       FROM sessions_daily WHERE ${IN_APPS} GROUP BY app_id, day, session_key`,
      SESSIONS_PER_DAY.raw,
      SESSIONS * 0.9,
    );
  });

  it('attributes a session that identified midway to the identified user', async () => {
    const [row] = await engine.ch.query<{ started_anonymous: string }>(
      `SELECT countIf(startsWith(visitor, 'u') AND first_user = '') AS started_anonymous
       FROM (${SESSIONS_PER_DAY.rollup}) AS s
       INNER JOIN (SELECT toDate(ts) AS day, session_id, argMin(user_id, (ts, event_id)) AS first_user FROM events
                   WHERE ${IN_APPS} AND session_id != '' GROUP BY day, session_id) AS f USING (day, session_id)`,
      { params },
    );
    expect(Number(row?.started_anonymous)).toBeGreaterThan(0);
  });
});

describe('metric_minutely', () => {
  it('equals raw per series and minute: count, sum, min, max, last and bucket counts', async () => {
    await expectEqualAnswers(
      `SELECT app_id, name, type, labels, bucket_bounds, minute, sum(sample_count), sum(value_sum), min(value_min),
              max(value_max), argMaxMerge(value_last), sumForEachMerge(bucket_counts)
       FROM metric_minutely WHERE ${IN_APPS} GROUP BY app_id, name, type, labels, bucket_bounds, minute`,
      `SELECT app_id, name, type, labels, bucket_bounds, toStartOfMinute(ts), count(), sum(value), min(value),
              max(value), argMax(value, (ts, value)), sumForEach(arrayMap(b -> toUInt64(value <= b), bucket_bounds))
       FROM metric_samples WHERE ${IN_APPS} GROUP BY app_id, name, type, labels, bucket_bounds, toStartOfMinute(ts)`,
      APPS * 3 * 4 * 170,
    );
  });

  it('counts histogram buckets cumulatively and keeps quantiles within the t-digest tolerance', async () => {
    const rows = await engine.ch.query<{ samples: string; buckets: string[]; rank: number }>(
      `SELECT r.samples AS samples, r.buckets AS buckets, countIf(m.value <= r.p95) / count() AS rank
       FROM (SELECT app_id, toString(labels) AS series, sum(sample_count) AS samples,
                    sumForEachMerge(bucket_counts) AS buckets, quantileTDigestMerge(0.95)(value_quantiles) AS p95
             FROM metric_minutely WHERE ${IN_APPS} AND type = 'histogram' GROUP BY app_id, series) AS r
       INNER JOIN (SELECT app_id, toString(labels) AS series, value FROM metric_samples
                   WHERE ${IN_APPS} AND type = 'histogram') AS m ON m.app_id = r.app_id AND m.series = r.series
       GROUP BY r.app_id, r.series, r.samples, r.buckets`,
      { params },
    );
    expect(rows.length).toBe(APPS * 4);
    for (const row of rows) {
      const buckets = row.buckets.map(Number);
      expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
      // Values go up to 1000 and the last bound is 500: the top bucket holds only part of them.
      expect(buckets.at(-1)).toBeLessThan(Number(row.samples));
      expect(Math.abs(row.rank - 0.95)).toBeLessThan(P95_RANK_TOLERANCE);
    }
  });
});

describe('after background merges', () => {
  it('rollups still equal raw once their parts are merged', async () => {
    for (const table of [
      'events_hourly',
      'events_daily',
      'events_daily_dims',
      'sessions_daily',
      'metric_minutely',
    ]) {
      await engine.ch.command(`OPTIMIZE TABLE ${table} FINAL`);
    }
    await expectEqualAnswers(
      `SELECT app_id, event_type, hour, event_count, uniqCombined64Merge(unique_visitors),
              uniqCombined64Merge(unique_sessions)
       FROM events_hourly FINAL WHERE ${IN_APPS} GROUP BY app_id, event_type, hour, event_count`,
      `SELECT app_id, event_type, toStartOfHour(ts), count(), ${VISITORS_RAW}, ${SESSIONS_RAW}
       FROM events WHERE ${IN_APPS} GROUP BY app_id, event_type, toStartOfHour(ts)`,
      APPS * 5 * 72,
    );
    await expectEqualAnswers(
      `SELECT app_id, day, event_count, pageviews, uniqCombined64Merge(unique_visitors),
              uniqCombined64Merge(unique_sessions)
       FROM events_daily FINAL WHERE ${IN_APPS} GROUP BY app_id, day, event_count, pageviews`,
      EVENTS_DAILY_PER_DAY.raw,
      APPS * DAYS,
    );
    // Background merges merged its states in another order than the per-insert states were:
    // still equal raw (and within tolerance at exactly 128 values, see UNIQ_12_EXACT_MODE_LIMIT).
    await expectDimsEqualRaw(DIMS_PER_DAY, APPS * 3 * 200);
    await expectEqualAnswers(
      `SELECT app_id, day, session_id, argMaxMerge(visitor_id), started_at, ended_at, pageviews, event_count,
              argMinMerge(entry_url), argMaxMerge(exit_url)
       FROM sessions_daily FINAL WHERE ${IN_APPS}
       GROUP BY app_id, day, session_key, session_id, started_at, ended_at, pageviews, event_count`,
      SESSIONS_PER_DAY.raw,
      SESSIONS * 0.9,
    );
  });
});

describe('sessions_day_counts and sessions_day_stats (0010)', () => {
  // The refresher's "today": the last day with data, so it is left out while earlier days settle.
  let today = '';
  const statsParams = () => ({ ...params, today });
  const latestComputedAt = async () => {
    const [row] = await engine.ch.query<{ at: string }>(
      `SELECT toString(max(computed_at)) AS at FROM sessions_day_stats WHERE ${IN_APPS}`,
      { params },
    );
    return row?.at ?? '';
  };

  it('counts each day’s session events as raw does', async () => {
    await expectEqualAnswers(SESSION_DAY_COUNTS.rollup, SESSION_DAY_COUNTS.raw, APPS * 3);
  });

  it('computes every day before today as raw does, none for today, and a pass with nothing stale writes nothing', async () => {
    const [last] = await engine.ch.query<{ day: string }>(
      `SELECT toString(max(toDate(ts))) AS day FROM events WHERE ${IN_APPS}`,
      { params },
    );
    today = last?.day ?? '';
    await refreshSessionDayStats(engine.ch, Date.parse(`${today}T12:00:00Z`));
    const result = await compareAnswers(
      engine.ch,
      SESSION_DAY_STATS.rollup,
      SESSION_DAY_STATS.raw,
      statsParams(),
    );
    expect(result.onlyInRollup).toEqual([]);
    expect(result.onlyInRaw).toEqual([]);
    expect(result.rawRows).toBeGreaterThanOrEqual(APPS * 2);
    const [todays] = await engine.ch.query<{ n: string }>(
      `SELECT count() AS n FROM sessions_day_stats WHERE ${IN_APPS} AND day >= {today:Date}`,
      { params: statsParams() },
    );
    expect(Number(todays?.n)).toBe(0);
    const computed = await latestComputedAt();
    await refreshSessionDayStats(engine.ch, Date.parse(`${today}T12:00:00Z`));
    expect(await latestComputedAt()).toBe(computed);
  });

  it('a late event makes its day stale until the next pass, which computes that day alone again', async () => {
    const computed = await latestComputedAt();
    const [first] = await engine.ch.query<{ day: string }>(
      `SELECT toString(min(day)) AS day FROM sessions_day_stats WHERE app_id = {app:UUID}`,
      { params: { app: apps[0] } },
    );
    const ts = `${first?.day} 23:59:59.999`;
    await engine.ch.insert('events', [
      {
        app_id: apps[0],
        event_id: randomUUID(),
        event_type: 'track',
        name: 'late',
        ts,
        received_at: ts,
        session_id: `late-${randomUUID()}`,
        retention_days: 3650,
      },
    ]);
    const stale = await compareAnswers(
      engine.ch,
      SESSION_DAY_STATS.rollup,
      SESSION_DAY_STATS.raw,
      statsParams(),
    );
    expect(stale.onlyInRaw).toHaveLength(1);
    await refreshSessionDayStats(engine.ch, Date.parse(`${today}T12:00:00Z`));
    const [written] = await engine.ch.query<{ n: string }>(
      `SELECT count() AS n FROM sessions_day_stats
       WHERE ${IN_APPS} AND computed_at > {computed:DateTime64(3, 'UTC')}`,
      { params: { ...params, computed } },
    );
    expect(Number(written?.n)).toBe(1);
    const result = await compareAnswers(
      engine.ch,
      SESSION_DAY_STATS.rollup,
      SESSION_DAY_STATS.raw,
      statsParams(),
    );
    expect(result.onlyInRollup).toEqual([]);
    expect(result.onlyInRaw).toEqual([]);
  });

  it('runs a pass at start and then on its interval, picking up later events without a restart', async () => {
    const warnings: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        warnings.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ level: 'warn', destination });
    const computed = await latestComputedAt();
    const [first] = await engine.ch.query<{ day: string }>(
      `SELECT toString(min(day)) AS day FROM sessions_day_stats WHERE app_id = {app:UUID}`,
      { params: { app: apps[1] } },
    );
    const ts = `${first?.day} 12:00:00.000`;
    const late = { app_id: apps[1], event_type: 'track', ts, received_at: ts, retention_days: 3650 };
    await engine.ch.insert('events', [
      { ...late, event_id: randomUUID(), session_id: `late-${randomUUID()}` },
    ]);
    const refresher = startSessionStatsRefresher({
      clickhouse: engine.ch,
      logger,
      now: () => Date.parse(`${today}T12:00:00Z`),
      intervalMs: 20,
    });
    const written = async () => {
      const [row] = await engine.ch.query<{ n: string }>(
        `SELECT count() AS n FROM sessions_day_stats WHERE ${IN_APPS} AND computed_at > {computed:DateTime64(3, 'UTC')}`,
        { params: { ...params, computed } },
      );
      return Number(row?.n);
    };
    try {
      await vi.waitFor(async () => expect(await written()).toBe(1), { timeout: 10_000 });
      // A later event is picked up by a later pass, without a restart.
      await engine.ch.insert('events', [
        { ...late, event_id: randomUUID(), session_id: `late-${randomUUID()}` },
      ]);
      await vi.waitFor(async () => expect(await written()).toBe(2), { timeout: 10_000 });
    } finally {
      await refresher.stop();
    }
    const result = await compareAnswers(
      engine.ch,
      SESSION_DAY_STATS.rollup,
      SESSION_DAY_STATS.raw,
      statsParams(),
    );
    expect(result.onlyInRollup).toEqual([]);
    expect(result.onlyInRaw).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
