// Shared by the schema tests: one migrated embedded engine per test file (each file runs in its
// own process, and the engine binds one data directory per process), and SQL that generates
// realistic events and metric samples inside the engine, so materialized views fire on real
// inserts without shipping hundreds of thousands of rows through JavaScript.
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { silentLogger } from '../../runtime/logger/index.ts';
import { readMigrationFiles } from '../../runtime/migrations/index.ts';
import { tempDir } from '../../runtime/testing/services.ts';
import { createEmbeddedClickHouse } from '../embedded/index.ts';
import { MIGRATIONS_DIR, runMigrations } from '../migrations/index.ts';
import type { ClickHouse, QueryParams } from '../types.ts';

export const TEST_DATABASE = 'analytics';

export interface MigratedEngine {
  ch: ClickHouse;
  applied: string[];
  /** Closes the engine and removes its data directory. */
  dispose(): Promise<void>;
}

/**
 * A fresh engine with the migrations of `migrationsDir` applied (default: every shipped one; a
 * folder holding only the first few is an install of an older release, see
 * copyOfMigrationsUpTo).
 */
export async function openMigratedEngine(prefix: string, migrationsDir?: string): Promise<MigratedEngine> {
  const dataDir = await tempDir(prefix);
  const ch = await createEmbeddedClickHouse({ dataDir, database: TEST_DATABASE, logger: silentLogger() });
  const { applied } = await runMigrations(ch, { logger: silentLogger(), log: () => {}, dir: migrationsDir });
  return {
    ch,
    applied,
    async dispose() {
      await ch.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A scratch folder holding the shipped migrations numbered up to `lastVersion` (the schema of an
 * older release); the caller removes it.
 */
export async function copyOfMigrationsUpTo(lastVersion: number): Promise<string> {
  const dir = await tempDir('migrations-upto');
  const older = (await readMigrationFiles(MIGRATIONS_DIR)).filter((file) => file.version <= lastVersion);
  await Promise.all(older.map(({ file }) => copyFile(path.join(MIGRATIONS_DIR, file), path.join(dir, file))));
  return dir;
}

// Far beyond the test's dates, so TTL merges can never remove rows mid-test.
const TEST_RETENTION_DAYS = 3650;

export const GENERATED_EVENT_COLUMNS = [
  'app_id',
  'event_id',
  'event_type',
  'name',
  'ts',
  'received_at',
  'user_id',
  'anonymous_id',
  'session_id',
  'path',
  'url',
  'host',
  'referrer_domain',
  'referrer',
  'browser',
  'os',
  'device_type',
  'country',
  'properties',
  'retention_days',
] as const;

/** INSERT ... SELECT of eventsSelect: the views fire as for any other insert. */
export function insertEventsSql(sessions: number, visitors: number): string {
  return `INSERT INTO events (${GENERATED_EVENT_COLUMNS.join(', ')}) ${eventsSelect(sessions, visitors)}`;
}

/**
 * A SELECT producing `events` rows (GENERATED_EVENT_COLUMNS, in that order) for numbers
 * {offset:UInt64} .. +{count:UInt64}, spread over the {apps:Array(UUID)} and over 72 hours:
 * sessions start at 45 minutes past each of the 72 hours from 36 hours before the current month
 * began, so rows land in two monthly partitions, and the sessions that start at 23:45 run past
 * UTC midnight (on the last day of the previous month, past the partition boundary too), which
 * exercises the per-day session rollup's midnight rule.
 * Sessions belong to one app and one visitor and last up to 30 minutes, with many events
 * sharing a millisecond; some identify midway (user_id appears after 15 minutes), which
 * exercises the sessions rollup's "last known identity". About 2% of events have no session and
 * 1% no visitor at all, so the "empty ids are not counted" rule is exercised too.
 */
export function eventsSelect(sessions: number, visitors: number): string {
  return `
SELECT
    apps[s % length(apps) + 1] AS app_id,
    generateUUIDv4(number) AS event_id,
    multiIf(k < 12, 'pageview', k < 17, 'track', k = 17, 'identify', k = 18, 'screen', 'signup_completed') AS event_type,
    if(event_type = 'track', ['click', 'add_to_cart', 'purchase'][number % 3 + 1], '') AS name,
    start + toIntervalHour(intDiv(s, length(apps)) % 72) + toIntervalSecond(offset_s) + toIntervalMillisecond(ms) AS ts,
    ts + toIntervalMillisecond(250) AS received_at,
    if(anonymous, '', if(v % 5 < 2 AND offset_s >= 900, concat('u', toString(v)), '')) AS user_id,
    if(anonymous, '', concat('a', toString(v))) AS anonymous_id,
    if(sipHash64(number, 3) % 50 = 0, '', concat('s', toString(s))) AS session_id,
    concat('/p/', toString(sipHash64(number, 5) % 200)) AS path,
    concat('https://shop.example.com', path) AS url,
    'shop.example.com' AS host,
    ['', 'google.com', 'news.ycombinator.com', 't.co', 'duckduckgo.com'][s % 5 + 1] AS referrer_domain,
    if(referrer_domain = '', '', concat('https://', referrer_domain, '/')) AS referrer,
    ['Chrome', 'Safari', 'Firefox', 'Edge', 'Samsung Internet', ''][s % 6 + 1] AS browser,
    ['Windows', 'macOS', 'iOS', 'Android', 'Linux'][v % 5 + 1] AS os,
    ['desktop', 'mobile', 'tablet', ''][v % 4 + 1] AS device_type,
    ['US', 'DE', 'FR', 'IN', 'BR', ''][v % 6 + 1] AS country,
    concat('{"n":', toString(number), '}') AS properties,
    ${TEST_RETENTION_DAYS} AS retention_days
FROM
(
    SELECT
        number,
        sipHash64(number, 1) % ${sessions} AS s,
        s % ${visitors} AS v,
        sipHash64(number, 2) % 20 AS k,
        -- Coarse times (30 s slots, quarter-second steps) make same-millisecond events common
        -- inside a session, so "first" and "last" must break ties the same way in both paths.
        (sipHash64(number, 4) % 60) * 30 AS offset_s,
        (sipHash64(number, 12) % 4) * 250 AS ms,
        sipHash64(number, 6) % 100 = 0 AS anonymous,
        {apps:Array(UUID)} AS apps,
        toDateTime64(toStartOfMonth(now('UTC')), 3, 'UTC') - toIntervalHour(36) + toIntervalMinute(45) AS start
    FROM numbers({offset:UInt64}, {count:UInt64})
)`;
}

/**
 * A SELECT producing `metric_samples` rows for numbers {offset:UInt64} .. +{count:UInt64}:
 * counters, gauges and histograms (with bucket bounds) over {apps:Array(UUID)}, two label sets
 * each, spread over 3 hours. Values are multiples of 0.25 below 1000, so every sum is exact in
 * Float64 whatever order it is added in, and rollup sums can be compared exactly.
 */
export const METRIC_SAMPLES_SELECT = `
SELECT
    apps[number % length(apps) + 1] AS app_id,
    ['http_requests_total', 'queue_depth', 'request_seconds'][t] AS name,
    ['counter', 'gauge', 'histogram'][t] AS type,
    map('route', ['/api', '/checkout'][sipHash64(number, 7) % 2 + 1], 'region', ['eu', 'us'][sipHash64(number, 8) % 2 + 1]) AS labels,
    (sipHash64(number, 9) % 4000) / 4 AS value,
    start + toIntervalSecond(sipHash64(number, 10) % 10800) + toIntervalMillisecond(number % 7) AS ts,
    ts AS received_at,
    if(t = 3, [1., 5., 25., 100., 500.], []) AS bucket_bounds,
    ${TEST_RETENTION_DAYS} AS retention_days
FROM
(
    SELECT
        number,
        toUInt8(sipHash64(number, 11) % 3 + 1) AS t,
        {apps:Array(UUID)} AS apps,
        toDateTime64(toStartOfHour(now('UTC')), 3, 'UTC') - toIntervalHour(3) AS start
    FROM numbers({offset:UInt64}, {count:UInt64})
)`;

export const INSERT_METRIC_SAMPLES_SQL = `INSERT INTO metric_samples
    (app_id, name, type, labels, value, ts, received_at, bucket_bounds, retention_days) ${METRIC_SAMPLES_SELECT}`;

// ---------------------------------------------------------------------------------------------
// Rollup questions and the same questions asked of the raw table, for the tests that prove a
// rollup equals raw (rollups.test.ts, and upgrade.test.ts for the rollups 0008 backfills). Each
// takes {apps:Array(UUID)}.

export const IN_APPS = 'app_id IN {apps:Array(UUID)}';

/** Raw unique counts as the rollups with plain uniqCombined64 states (2^17 cells) count them. */
export const VISITORS_RAW = "uniqCombined64If(visitor_id, visitor_id != '')";
export const SESSIONS_RAW = "uniqCombined64If(session_id, session_id != '')";
/** Raw unique counts as events_daily_dims (uniqCombined64(12) states, since 0008) counts them. */
export const VISITORS_RAW_12 = "uniqCombined64If(12)(visitor_id, visitor_id != '')";
export const SESSIONS_RAW_12 = "uniqCombined64If(12)(session_id, session_id != '')";

/** events_daily_dims's dimensions, as its view derives them from an event. */
export const DIMENSIONS_RAW = `[('browser', toString(browser)), ('os', toString(os)), ('device_type', toString(device_type)),
  ('path', path), ('referrer_domain', toString(referrer_domain)), ('country', toString(country))]`;

export interface RollupQuestion {
  rollup: string;
  raw: string;
}

/** events_daily per app and UTC day: events, page views, unique visitors and sessions. */
export const EVENTS_DAILY_PER_DAY: RollupQuestion = {
  rollup: `SELECT app_id, day, sum(event_count), sum(pageviews), uniqCombined64Merge(unique_visitors),
                  uniqCombined64Merge(unique_sessions)
           FROM events_daily WHERE ${IN_APPS} GROUP BY app_id, day`,
  raw: `SELECT app_id, toDate(ts) AS day, count(), countIf(event_type = 'pageview'), ${VISITORS_RAW}, ${SESSIONS_RAW}
        FROM events WHERE ${IN_APPS} GROUP BY app_id, day`,
};

/**
 * uniqCombined64(12) keeps an exact set of up to 2^(12 - 5) = 128 values and turns into a
 * 2^12-cell HyperLogLog sketch on the next insert once the set is full, even when that insert is
 * a value it already holds. So a group with exactly 128 distinct values answers 128 when its last
 * insert filled the set, and the sketch's estimate (128 give or take a few) when anything came
 * after: a single pass over raw rows usually sees repeats after the set filled, merging states
 * inserts each state's distinct values only, and which happens depends on block and merge
 * order. Everywhere else merged states and one raw pass agree exactly. (Precision 17 has the
 * same edge at exactly 4,096 values.)
 */
export const UNIQ_12_EXACT_MODE_LIMIT = 128;
/** Three standard errors of a 2^12-cell HyperLogLog (1.04 / sqrt(2^12) = 1.6%). */
export const UNIQ_12_TOLERANCE = 0.05;

type DimsKey = 'app_id' | 'day' | 'dimension' | 'value' | 'event_type';

export interface DimsQuestion extends RollupQuestion {
  /**
   * One row: `groups`, how many groups hold exactly UNIQ_12_EXACT_MODE_LIMIT distinct visitors
   * or sessions (the question compares their unique counts as -1 on both sides), and `worst`,
   * the rollup's largest relative deviation from the exact count in those groups.
   */
  boundary: string;
  /** The raw answer per group, with `visitors` and `sessions` as uniqCombined64(12) counts them. */
  rawGroups: string;
}

/**
 * events_daily_dims grouped by `keys`: events and unique visitors and sessions, with the raw
 * side counting uniques as the rollup's uniqCombined64(12) states do, so they are equal exactly
 * (except at exactly 128 values, see UNIQ_12_EXACT_MODE_LIMIT).
 */
export function dimsQuestion(keys: readonly DimsKey[]): DimsQuestion {
  const key = keys.join(', ');
  const rawGroups = `SELECT ${key}, count() AS events, ${VISITORS_RAW_12} AS visitors, ${SESSIONS_RAW_12} AS sessions,
           uniqExactIf(visitor_id, visitor_id != '') AS exact_visitors,
           uniqExactIf(session_id, session_id != '') AS exact_sessions
    FROM (SELECT app_id, event_type, visitor_id, session_id, toDate(ts) AS day, dim.1 AS dimension, dim.2 AS value
          FROM events ARRAY JOIN ${DIMENSIONS_RAW} AS dim WHERE ${IN_APPS})
    GROUP BY ${key}`;
  const rollupGroups = `SELECT ${key}, sum(event_count) AS events, uniqCombined64Merge(12)(unique_visitors) AS visitors,
           uniqCombined64Merge(12)(unique_sessions) AS sessions
    FROM events_daily_dims WHERE ${IN_APPS} GROUP BY ${key}`;
  const limit = UNIQ_12_EXACT_MODE_LIMIT;
  const boundaryGroups = `SELECT ${key}, exact_visitors, exact_sessions, exact_visitors = ${limit} AS at_visitors,
           exact_sessions = ${limit} AS at_sessions
    FROM (${rawGroups}) WHERE at_visitors OR at_sessions`;
  return {
    rawGroups,
    raw: `SELECT ${key}, events, if(exact_visitors = ${limit}, -1, toInt64(visitors)) AS visitors,
                 if(exact_sessions = ${limit}, -1, toInt64(sessions)) AS sessions
          FROM (${rawGroups})`,
    rollup: `SELECT ${key}, r.events AS events, if(b.at_visitors, -1, toInt64(r.visitors)) AS visitors,
                    if(b.at_sessions, -1, toInt64(r.sessions)) AS sessions
             FROM (${rollupGroups}) AS r LEFT JOIN (${boundaryGroups}) AS b USING (${key})`,
    boundary: `SELECT count() AS groups,
                      max(greatest(if(b.at_visitors, abs(r.visitors / b.exact_visitors - 1), 0),
                                   if(b.at_sessions, abs(r.sessions / b.exact_sessions - 1), 0))) AS worst
               FROM (${rollupGroups}) AS r INNER JOIN (${boundaryGroups}) AS b USING (${key})`,
  };
}

/** events_daily_dims per app, day, dimension, value and event type: its own grain. */
export const DIMS_PER_DAY = dimsQuestion(['app_id', 'day', 'dimension', 'value', 'event_type']);

/**
 * sessions_daily per app, UTC day and session id: last-known visitor, start, end, page views,
 * events, entry and exit URL, "first" and "last" ordered by (ts, event_id) within the day.
 */
export const SESSIONS_PER_DAY: RollupQuestion = {
  rollup: `SELECT app_id, day, session_id, argMaxMerge(visitor_id) AS visitor, min(started_at) AS started,
                  max(ended_at) AS ended, sum(pageviews), sum(event_count), argMinMerge(entry_url), argMaxMerge(exit_url)
           FROM sessions_daily WHERE ${IN_APPS} GROUP BY app_id, day, session_id`,
  raw: `SELECT app_id, toDate(ts) AS day, session_id, argMax(visitor_id, (ts, event_id)), min(ts), max(ts),
               countIf(event_type = 'pageview'), count(),
               argMinIf(url, (ts, event_id), url != ''), argMaxIf(url, (ts, event_id), url != '')
        FROM events WHERE ${IN_APPS} AND session_id != '' GROUP BY app_id, day, session_id`,
};

/** sessions_day_counts (0010): per app and UTC day, the events that belong to a session. */
export const SESSION_DAY_COUNTS: RollupQuestion = {
  rollup: `SELECT app_id, day, sum(events) FROM sessions_day_counts WHERE ${IN_APPS} GROUP BY app_id, day`,
  raw: `SELECT app_id, toDate(ts) AS day, count() FROM events WHERE ${IN_APPS} AND session_id != '' GROUP BY app_id, day`,
};

/**
 * sessions_day_stats (0010) as the refresher leaves them for days before {today:Date}: per app
 * and UTC day the events, sessions, single-event sessions and summed first-to-last durations.
 */
export const SESSION_DAY_STATS: RollupQuestion = {
  rollup: `SELECT app_id, day, argMax(events, computed_at), argMax(sessions, computed_at),
                  argMax(bounces, computed_at), argMax(total_ms, computed_at)
           FROM sessions_day_stats WHERE ${IN_APPS} GROUP BY app_id, day`,
  raw: `SELECT app_id, day, sum(events), count(), countIf(events = 1), toUInt64(sum(duration_ms))
        FROM (
            SELECT app_id, toDate(ts) AS day, count() AS events,
                   toUnixTimestamp64Milli(max(ts)) - toUnixTimestamp64Milli(min(ts)) AS duration_ms
            FROM events WHERE ${IN_APPS} AND session_id != '' AND toDate(ts) < {today:Date}
            GROUP BY app_id, day, session_id
        )
        GROUP BY app_id, day`,
};

export interface Comparison {
  rollupRows: number;
  rawRows: number;
  onlyInRollup: unknown[];
  onlyInRaw: unknown[];
}

const SAMPLE_DIFFERENCES = 5;

/** Row counts of both answers, and a few rows each has that the other lacks. */
export async function compareAnswers(
  ch: ClickHouse,
  rollup: string,
  raw: string,
  params: QueryParams,
): Promise<Comparison> {
  const count = async (sql: string) => {
    const [row] = await ch.query<{ rows: string }>(`SELECT count() AS rows FROM (${sql})`, { params });
    return Number(row?.rows);
  };
  const except = (left: string, right: string) =>
    ch.query(
      `SELECT * FROM (SELECT * FROM (${left}) EXCEPT SELECT * FROM (${right})) LIMIT ${SAMPLE_DIFFERENCES}`,
      {
        params,
      },
    );
  return {
    rollupRows: await count(rollup),
    rawRows: await count(raw),
    onlyInRollup: await except(rollup, raw),
    onlyInRaw: await except(raw, rollup),
  };
}
