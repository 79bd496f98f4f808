-- Per app x day x dimension x value (and event type, so "page views by path" needs no raw
-- scan): the rollup behind breakdowns. One row per dimension means one view and one table
-- serve every breakdown; a dimension's values always sum to the app's total event count,
-- because an unknown value is stored as ''. Unique counts: see 0003.
CREATE TABLE IF NOT EXISTS events_daily_dims
(
    app_id UUID,
    day Date,
    -- browser, os, device_type, path, referrer_domain or country.
    dimension LowCardinality(String),
    value String,
    event_type LowCardinality(String),
    event_count SimpleAggregateFunction(sum, UInt64),
    unique_visitors AggregateFunction(uniqCombined64, String),
    unique_sessions AggregateFunction(uniqCombined64, String),
    retention_days SimpleAggregateFunction(max, UInt16)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
-- A breakdown reads one dimension of one app over a day range.
ORDER BY (app_id, dimension, day, event_type, value)
TTL day + toIntervalDay(retention_days)
-- Dedup window: see 0003.
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS events_daily_dims_mv TO events_daily_dims AS
SELECT
    app_id,
    toDate(ts) AS day,
    dim.1 AS dimension,
    dim.2 AS value,
    event_type,
    count() AS event_count,
    uniqCombined64IfState(visitor_id, visitor_id != '') AS unique_visitors,
    uniqCombined64IfState(session_id, session_id != '') AS unique_sessions,
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
