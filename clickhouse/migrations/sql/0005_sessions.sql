-- One row per app x session: start, end, counts, entry and exit URL. Events without a
-- session id (server-side calls) are not part of any session.
--
-- "First" and "last" are ordered by (ts, event_id), not ts alone: two events in the same
-- millisecond would otherwise make argMin/argMax depend on merge order, and the rollup could
-- disagree with the raw table. Entry/exit URL consider only events that carry a URL.
-- The visitor is the session's last-known identity, so a session that identifies midway is
-- attributed to the identified user.
CREATE TABLE IF NOT EXISTS sessions
(
    app_id UUID,
    session_id String,
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
-- Not partitioned: a session spanning midnight or a month boundary must merge into one row.
ORDER BY (app_id, session_id)
TTL toDateTime(ended_at) + toIntervalDay(retention_days)
-- Dedup window: see 0003.
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_mv TO sessions AS
SELECT
    app_id,
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
GROUP BY app_id, session_id;
