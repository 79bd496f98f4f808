// Shared by the schema tests: one migrated embedded engine per test file (each file runs in its
// own process, and the engine binds one data directory per process), and SQL that generates
// realistic events and metric samples inside the engine, so materialized views fire on real
// inserts without shipping hundreds of thousands of rows through JavaScript.
import { rm } from 'node:fs/promises';
import { silentLogger } from '../../runtime/logger/index.ts';
import { tempDir } from '../../runtime/testing/services.ts';
import { createEmbeddedClickHouse } from '../embedded/index.ts';
import { runMigrations } from '../migrations/index.ts';
import type { ClickHouse } from '../types.ts';

export const TEST_DATABASE = 'analytics';

export interface MigratedEngine {
  ch: ClickHouse;
  applied: string[];
  /** Closes the engine and removes its data directory. */
  dispose(): Promise<void>;
}

export async function openMigratedEngine(prefix: string): Promise<MigratedEngine> {
  const dataDir = await tempDir(prefix);
  const ch = await createEmbeddedClickHouse({ dataDir, database: TEST_DATABASE, logger: silentLogger() });
  const { applied } = await runMigrations(ch, { logger: silentLogger(), log: () => {} });
  return {
    ch,
    applied,
    async dispose() {
      await ch.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
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
 * {offset:UInt64} .. +{count:UInt64}, spread over the {apps:Array(UUID)} and over 72 hours
 * starting 36 hours before the current month began (so rows land in two monthly partitions).
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
        toDateTime64(toStartOfMonth(now('UTC')), 3, 'UTC') - toIntervalHour(36) AS start
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
