-- Per-day session totals, so an overview reads one row per day for the days that no longer
-- change instead of merging every session of its range with FINAL (about 60% of an overview's
-- time at 100 million events).
--
--   * sessions_day_counts: per app x day, the sum of sessions_daily.event_count, kept by a view
--     on sessions_daily itself, so it moves whenever any session row of that day does.
--   * sessions_day_stats: per app x day, the session count, bounces and total duration as
--     computed from sessions_daily FINAL by the stats refresher (the ingest edge runs it every
--     minute, see clickhouse/rollups), together with the event count they were computed from.
--
-- A stats row answers only while its event count equals the day's current count; any other day
-- is read from sessions_daily FINAL as before. A late event therefore never makes an answer
-- stale: it changes the count, and its day is merged from sessions_daily until the refresher has
-- computed the day again. The count and the stats come from one SELECT over sessions_daily (one
-- snapshot of its parts), so they always describe the same rows.
--
-- Apply with ingest stopped, as 0008: the backfill reads sessions_daily before its view exists.
DROP VIEW IF EXISTS sessions_day_counts_mv;

DROP TABLE IF EXISTS sessions_day_counts;

CREATE TABLE IF NOT EXISTS sessions_day_counts
(
    app_id UUID,
    day Date,
    events SimpleAggregateFunction(sum, UInt64),
    retention_days SimpleAggregateFunction(max, UInt16)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (app_id, day)
TTL day + toIntervalDay(retention_days)
-- Dedup window: see 0003.
SETTINGS non_replicated_deduplication_window = 10000;

INSERT INTO sessions_day_counts
SELECT
    app_id,
    day,
    sum(event_count) AS events,
    max(retention_days) AS retention_days
FROM sessions_daily
GROUP BY app_id, day
SETTINGS insert_deduplicate = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_day_counts_mv TO sessions_day_counts AS
SELECT
    app_id,
    day,
    sum(event_count) AS events,
    max(retention_days) AS retention_days
FROM sessions_daily
GROUP BY app_id, day;

-- Written only by the refresher; a day computed again replaces its row (latest computed_at).
-- Sessions are the day's sessions_daily rows: a session is a session id's events within one
-- UTC day, so every session of a day started on that day.
CREATE TABLE IF NOT EXISTS sessions_day_stats
(
    app_id UUID,
    day Date,
    -- sum(event_count) of the rows these figures were computed from.
    events UInt64,
    sessions UInt64,
    -- Sessions with a single event.
    bounces UInt64,
    -- Sum over sessions of last event time minus first, in milliseconds.
    total_ms UInt64,
    computed_at DateTime64(3, 'UTC'),
    retention_days UInt16
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(day)
ORDER BY (app_id, day)
TTL day + toIntervalDay(retention_days)
-- Dedup window: see 0003 (a retried refresher insert is stored once).
SETTINGS non_replicated_deduplication_window = 10000;
