// Rollups equal raw: a few hundred thousand generated events (and metric samples) go in through
// ordinary inserts, split into many blocks so every rollup row is merged from many partial
// states; then every rollup answer is compared with the same question asked of the raw table.
// Counts, sums, min/max, argMin/argMax and bucket counts must be equal. Unique counts must be
// equal too: uniqCombined64 is order-independent, so merged states and a single pass over the
// raw rows agree exactly (the test makes sure some groups pass its exact-mode threshold, where
// HyperLogLog takes over). Only the t-digest quantiles are compared within a tolerance.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryParams } from '../types.ts';
import {
  INSERT_METRIC_SAMPLES_SQL,
  insertEventsSql,
  type MigratedEngine,
  openMigratedEngine,
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
// Above this many distinct values a uniqCombined64 state is a HyperLogLog sketch.
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

interface Comparison {
  rollupRows: number;
  rawRows: number;
  onlyInRollup: unknown[];
  onlyInRaw: unknown[];
}

const SAMPLE_DIFFERENCES = 5;

/** Row counts of both answers, and a few rows each has that the other lacks. */
async function compare(rollup: string, raw: string): Promise<Comparison> {
  const count = async (sql: string) => {
    const [row] = await engine.ch.query<{ rows: string }>(`SELECT count() AS rows FROM (${sql})`, { params });
    return Number(row?.rows);
  };
  const except = (left: string, right: string) =>
    engine.ch.query(
      `SELECT * FROM (SELECT * FROM (${left}) EXCEPT SELECT * FROM (${right})) LIMIT ${SAMPLE_DIFFERENCES}`,
      { params },
    );
  return {
    rollupRows: await count(rollup),
    rawRows: await count(raw),
    onlyInRollup: await except(rollup, raw),
    onlyInRaw: await except(raw, rollup),
  };
}

async function expectEqualAnswers(rollup: string, raw: string, minimumRows: number): Promise<void> {
  const result = await compare(rollup, raw);
  expect(result.onlyInRollup).toEqual([]);
  expect(result.onlyInRaw).toEqual([]);
  expect(result.rollupRows).toBe(result.rawRows);
  expect(result.rawRows).toBeGreaterThanOrEqual(minimumRows);
}

const VISITORS_RAW = "uniqCombined64If(visitor_id, visitor_id != '')";
const SESSIONS_RAW = "uniqCombined64If(session_id, session_id != '')";
const IN_APPS = 'app_id IN {apps:Array(UUID)}';

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

const DIMENSIONS_RAW = `[('browser', toString(browser)), ('os', toString(os)), ('device_type', toString(device_type)),
  ('path', path), ('referrer_domain', toString(referrer_domain)), ('country', toString(country))]`;

describe('events_daily_dims', () => {
  it('equals raw per app, day, dimension, value and event type', async () => {
    await expectEqualAnswers(
      `SELECT app_id, day, dimension, value, event_type, sum(event_count), uniqCombined64Merge(unique_visitors),
              uniqCombined64Merge(unique_sessions)
       FROM events_daily_dims WHERE ${IN_APPS} GROUP BY app_id, day, dimension, value, event_type`,
      `SELECT app_id, toDate(ts) AS day, dim.1, dim.2, event_type, count(), ${VISITORS_RAW}, ${SESSIONS_RAW}
       FROM events ARRAY JOIN ${DIMENSIONS_RAW} AS dim
       WHERE ${IN_APPS} GROUP BY app_id, day, dim.1, dim.2, event_type`,
      APPS * 3 * 200,
    );
  });

  it('equals raw per app, dimension and value across days and event types', async () => {
    await expectEqualAnswers(
      `SELECT app_id, dimension, value, sum(event_count), uniqCombined64Merge(unique_visitors),
              uniqCombined64Merge(unique_sessions)
       FROM events_daily_dims WHERE ${IN_APPS} GROUP BY app_id, dimension, value`,
      `SELECT app_id, dim.1, dim.2, count(), ${VISITORS_RAW}, ${SESSIONS_RAW}
       FROM events ARRAY JOIN ${DIMENSIONS_RAW} AS dim
       WHERE ${IN_APPS} GROUP BY app_id, dim.1, dim.2`,
      APPS * 200,
    );
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

const SESSIONS_ROLLUP = `SELECT app_id, session_id, argMaxMerge(visitor_id) AS visitor, min(started_at), max(ended_at),
         sum(pageviews), sum(event_count), argMinMerge(entry_url), argMaxMerge(exit_url)
  FROM sessions WHERE ${IN_APPS} GROUP BY app_id, session_id`;

describe('sessions', () => {
  it('equals raw per session: visitor, start, end, page views, events, entry and exit URL', async () => {
    await expectEqualAnswers(
      SESSIONS_ROLLUP,
      `SELECT app_id, session_id, argMax(visitor_id, (ts, event_id)), min(ts), max(ts),
              countIf(event_type = 'pageview'), count(),
              argMinIf(url, (ts, event_id), url != ''), argMaxIf(url, (ts, event_id), url != '')
       FROM events WHERE ${IN_APPS} AND session_id != '' GROUP BY app_id, session_id`,
      SESSIONS * 0.9,
    );
  });

  it('attributes a session that identified midway to the identified user', async () => {
    const [row] = await engine.ch.query<{ started_anonymous: string }>(
      `SELECT countIf(startsWith(visitor, 'u') AND first_user = '') AS started_anonymous
       FROM (${SESSIONS_ROLLUP}) AS s
       INNER JOIN (SELECT session_id, argMin(user_id, (ts, event_id)) AS first_user FROM events
                   WHERE ${IN_APPS} AND session_id != '' GROUP BY session_id) AS f USING (session_id)`,
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
    for (const table of ['events_hourly', 'events_daily_dims', 'sessions', 'metric_minutely']) {
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
      `SELECT app_id, session_id, argMaxMerge(visitor_id), started_at, ended_at, pageviews, event_count,
              argMinMerge(entry_url), argMaxMerge(exit_url)
       FROM sessions FINAL WHERE ${IN_APPS}
       GROUP BY app_id, session_id, started_at, ended_at, pageviews, event_count`,
      `SELECT app_id, session_id, argMax(visitor_id, (ts, event_id)), min(ts), max(ts),
              countIf(event_type = 'pageview'), count(),
              argMinIf(url, (ts, event_id), url != ''), argMaxIf(url, (ts, event_id), url != '')
       FROM events WHERE ${IN_APPS} AND session_id != '' GROUP BY app_id, session_id`,
      SESSIONS * 0.9,
    );
  });
});
