-- Per app x event type x hour: the rollup behind summaries and timelines.
--
-- Unique counts use uniqCombined64 everywhere (rollups and the raw queries that mirror them).
-- It is deterministic: merging per-block states gives exactly what one pass over the raw rows
-- gives, so rollup and raw answers are equal, not merely close. Versus the true distinct count:
-- exact (up to 64-bit hash collisions) while a state holds up to about 4,000 values, then
-- HyperLogLog with 2^17 cells, relative standard error 1.04 / sqrt(2^17) = 0.3% (so about 1% at
-- three sigma). Its 64-bit hash keeps that error flat far beyond 2^32 values, where uniq and
-- uniqCombined degrade. Empty visitor or session ids are not counted.
--
-- retention_days rides along (max over the group) so the rollup expires with the raw rows it
-- summarises, and both paths keep answering the same numbers.
CREATE TABLE IF NOT EXISTS events_hourly
(
    app_id UUID,
    event_type LowCardinality(String),
    hour DateTime('UTC'),
    event_count SimpleAggregateFunction(sum, UInt64),
    unique_visitors AggregateFunction(uniqCombined64, String),
    unique_sessions AggregateFunction(uniqCombined64, String),
    retention_days SimpleAggregateFunction(max, UInt16)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (app_id, hour, event_type)
TTL hour + toIntervalDay(retention_days)
-- A rollup must deduplicate a retried batch too: with
-- deduplicate_blocks_in_dependent_materialized_views = 1 the view's block carries a token
-- derived from the insert's, and this window is where it is remembered. Same size as events.
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS events_hourly_mv TO events_hourly AS
SELECT
    app_id,
    event_type,
    toStartOfHour(ts) AS hour,
    count() AS event_count,
    uniqCombined64IfState(visitor_id, visitor_id != '') AS unique_visitors,
    uniqCombined64IfState(session_id, session_id != '') AS unique_sessions,
    max(retention_days) AS retention_days
FROM events
GROUP BY app_id, event_type, hour;
