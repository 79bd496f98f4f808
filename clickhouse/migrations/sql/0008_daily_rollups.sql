-- Day-grain rollups that keep the dashboard's first screen (the overview) fast at hundreds of
-- millions of events, measured with `npm run bench -- query`:
--
--   * events_daily: per app x UTC day, the headline totals. Merging a week's unique-visitor
--     states costs one state per day here instead of one per hour and event type.
--   * events_daily_dims is rebuilt with smaller unique-count states (uniqCombined64(12)): a
--     breakdown merges one state per day x value x event type, and merging full-size states
--     (2^17 cells each) was most of a breakdown's time.
--   * sessions_daily replaces sessions: one row per app x UTC day x session id, ordered by day,
--     so the sessions that started in a range are read from that range's days instead of from
--     every session the app ever had. A session that runs past UTC midnight counts as one
--     session per day it touches (the midnight rule Google Analytics applied for years); the
--     raw path in query-api counts sessions the same way, so both paths give one answer. The
--     key holds the 64-bit hash of the session id rather than the id: reading with FINAL
--     (which merges a session's partial rows across parts) compares keys, and comparing a
--     million integers is several times cheaper than comparing a million strings.
--
-- Each rebuilt table is dropped and created again before its backfill, so a run that failed
-- halfway starts over cleanly. The backfill reads the raw events, and each view is created after
-- its backfill: apply this migration with ingest stopped (the launcher and the compose file's
-- migrate service run migrations before ingest starts), or rows written in between would be
-- missing from the rollups.
--
-- events_daily: totals per app x day. Unique counts as in 0003 (uniqCombined64, 2^17 cells).
DROP VIEW IF EXISTS events_daily_mv;

DROP TABLE IF EXISTS events_daily;

CREATE TABLE IF NOT EXISTS events_daily
(
    app_id UUID,
    day Date,
    event_count SimpleAggregateFunction(sum, UInt64),
    pageviews SimpleAggregateFunction(sum, UInt64),
    unique_visitors AggregateFunction(uniqCombined64, String),
    unique_sessions AggregateFunction(uniqCombined64, String),
    retention_days SimpleAggregateFunction(max, UInt16)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (app_id, day)
TTL day + toIntervalDay(retention_days)
-- Dedup window: see 0003.
SETTINGS non_replicated_deduplication_window = 10000;

INSERT INTO events_daily
SELECT
    app_id,
    toDate(ts) AS day,
    count() AS event_count,
    countIf(event_type = 'pageview') AS pageviews,
    uniqCombined64IfState(visitor_id, visitor_id != '') AS unique_visitors,
    uniqCombined64IfState(session_id, session_id != '') AS unique_sessions,
    max(retention_days) AS retention_days
FROM events
GROUP BY app_id, day
SETTINGS insert_deduplicate = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS events_daily_mv TO events_daily AS
SELECT
    app_id,
    toDate(ts) AS day,
    count() AS event_count,
    countIf(event_type = 'pageview') AS pageviews,
    uniqCombined64IfState(visitor_id, visitor_id != '') AS unique_visitors,
    uniqCombined64IfState(session_id, session_id != '') AS unique_sessions,
    max(retention_days) AS retention_days
FROM events
GROUP BY app_id, day;

-- events_daily_dims as in 0004, with uniqCombined64(12) states: exact up to about 128 values
-- per state, then HyperLogLog with 2^12 cells, relative standard error 1.04 / sqrt(2^12) = 1.6%
-- (the precision Google Analytics 4 uses for session counts). Raw breakdown queries use the same
-- function, so rollup and raw answers stay equal.
DROP VIEW IF EXISTS events_daily_dims_mv;

DROP TABLE IF EXISTS events_daily_dims;

CREATE TABLE IF NOT EXISTS events_daily_dims
(
    app_id UUID,
    day Date,
    -- browser, os, device_type, path, referrer_domain or country.
    dimension LowCardinality(String),
    value String,
    event_type LowCardinality(String),
    event_count SimpleAggregateFunction(sum, UInt64),
    unique_visitors AggregateFunction(uniqCombined64(12), String),
    unique_sessions AggregateFunction(uniqCombined64(12), String),
    retention_days SimpleAggregateFunction(max, UInt16)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
-- A breakdown reads one dimension of one app over a day range.
ORDER BY (app_id, dimension, day, event_type, value)
TTL day + toIntervalDay(retention_days)
-- Dedup window: see 0003. Granules of 32 rows instead of 8,192: ClickHouse deserialises every
-- state of each granule it reads (about 10 us each), and a top list needs a few hundred rows
-- scattered over a day's values. Over 14 days at 1.1 million events a day, the overview's top
-- pages read 12,800 states with 128-row granules (43 ms) and with 32-row ones took 27 ms; the index
-- stays small (one mark per 32 rows of a table with a row per app, day, dimension and value).
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 32;

INSERT INTO events_daily_dims
SELECT
    app_id,
    toDate(ts) AS day,
    dim.1 AS dimension,
    dim.2 AS value,
    event_type,
    count() AS event_count,
    uniqCombined64IfState(12)(visitor_id, visitor_id != '') AS unique_visitors,
    uniqCombined64IfState(12)(session_id, session_id != '') AS unique_sessions,
    max(retention_days) AS retention_days
FROM events
ARRAY JOIN
    [
        ('browser', toString(browser)),
        ('os', toString(os)),
        ('device_type', toString(device_type)),
        ('path', path),
        ('referrer_domain', toString(referrer_domain)),
        ('country', toString(country))
    ] AS dim
GROUP BY app_id, day, dimension, value, event_type
SETTINGS insert_deduplicate = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS events_daily_dims_mv TO events_daily_dims AS
SELECT
    app_id,
    toDate(ts) AS day,
    dim.1 AS dimension,
    dim.2 AS value,
    event_type,
    count() AS event_count,
    uniqCombined64IfState(12)(visitor_id, visitor_id != '') AS unique_visitors,
    uniqCombined64IfState(12)(session_id, session_id != '') AS unique_sessions,
    max(retention_days) AS retention_days
FROM events
ARRAY JOIN
    [
        ('browser', toString(browser)),
        ('os', toString(os)),
        ('device_type', toString(device_type)),
        ('path', path),
        ('referrer_domain', toString(referrer_domain)),
        ('country', toString(country))
    ] AS dim
GROUP BY app_id, day, dimension, value, event_type;

-- sessions_daily: the columns of 0005's sessions, per UTC day of the session's events. Within
-- a day, "first" and "last" are ordered by (ts, event_id) as in 0005. session_key is
-- cityHash64(session_id): two ids of one app colliding on one day is a 1 in 10^7 event even at
-- a million sessions a day, and the raw path groups by the same hash.
DROP VIEW IF EXISTS sessions_mv;

DROP TABLE IF EXISTS sessions;

DROP VIEW IF EXISTS sessions_daily_mv;

DROP TABLE IF EXISTS sessions_daily;

CREATE TABLE IF NOT EXISTS sessions_daily
(
    app_id UUID,
    day Date,
    session_key UInt64,
    session_id SimpleAggregateFunction(any, String),
    visitor_id AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), UUID)),
    started_at SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    ended_at SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    pageviews SimpleAggregateFunction(sum, UInt64),
    event_count SimpleAggregateFunction(sum, UInt64),
    entry_url AggregateFunction(argMin, String, Tuple(DateTime64(3, 'UTC'), UUID)),
    exit_url AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), UUID)),
    retention_days SimpleAggregateFunction(max, UInt16)
)
ENGINE = AggregatingMergeTree
-- A day never spans two months, so FINAL may merge each partition on its own.
PARTITION BY toYYYYMM(day)
ORDER BY (app_id, day, session_key)
TTL day + toIntervalDay(retention_days)
-- Dedup window: see 0003.
SETTINGS non_replicated_deduplication_window = 10000;

INSERT INTO sessions_daily
SELECT
    app_id,
    toDate(ts) AS day,
    cityHash64(session_id) AS session_key,
    session_id,
    argMaxState(visitor_id, (ts, event_id)) AS visitor_id,
    min(ts) AS started_at,
    max(ts) AS ended_at,
    countIf(event_type = 'pageview') AS pageviews,
    count() AS event_count,
    argMinIfState(url, (ts, event_id), url != '') AS entry_url,
    argMaxIfState(url, (ts, event_id), url != '') AS exit_url,
    max(retention_days) AS retention_days
FROM events
WHERE session_id != ''
GROUP BY app_id, day, session_id
SETTINGS insert_deduplicate = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_daily_mv TO sessions_daily AS
SELECT
    app_id,
    toDate(ts) AS day,
    cityHash64(session_id) AS session_key,
    session_id,
    argMaxState(visitor_id, (ts, event_id)) AS visitor_id,
    min(ts) AS started_at,
    max(ts) AS ended_at,
    countIf(event_type = 'pageview') AS pageviews,
    count() AS event_count,
    argMinIfState(url, (ts, event_id), url != '') AS entry_url,
    argMaxIfState(url, (ts, event_id), url != '') AS exit_url,
    max(retention_days) AS retention_days
FROM events
WHERE session_id != ''
GROUP BY app_id, day, session_id;
