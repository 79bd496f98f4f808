-- Raw events: one row per accepted event, written by the spool flusher in large batches.
--
-- How migration files must be written (statement splitting, idempotence, names, engines) is
-- documented in ../index.ts; the runner and the cluster renderer rely on those rules.
--
-- "Visitor" is defined once, here: the identified user when known, else the anonymous id.
-- Rollups and raw queries both use visitor_id, so the two paths count the same people.
CREATE TABLE IF NOT EXISTS events
(
    app_id UUID,
    -- Ingest always sends the client's id or a UUIDv7; the default only serves ad-hoc inserts.
    event_id UUID DEFAULT generateUUIDv7(),
    -- pageview, track, identify, screen, group, alias, or a custom type.
    event_type LowCardinality(String) DEFAULT 'track',
    name String DEFAULT '',
    -- Client time corrected for clock skew; received_at is the server's clock.
    ts DateTime64(3, 'UTC') DEFAULT received_at CODEC(Delta, ZSTD(1)),
    received_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    user_id String DEFAULT '',
    anonymous_id String DEFAULT '',
    session_id String DEFAULT '',
    visitor_id String ALIAS if(user_id != '', user_id, anonymous_id),
    url String DEFAULT '' CODEC(ZSTD(1)),
    host LowCardinality(String) DEFAULT '',
    path String DEFAULT '' CODEC(ZSTD(1)),
    referrer String DEFAULT '' CODEC(ZSTD(1)),
    referrer_domain LowCardinality(String) DEFAULT '',
    utm_source LowCardinality(String) DEFAULT '',
    utm_medium LowCardinality(String) DEFAULT '',
    utm_campaign LowCardinality(String) DEFAULT '',
    utm_term LowCardinality(String) DEFAULT '',
    utm_content LowCardinality(String) DEFAULT '',
    title String DEFAULT '' CODEC(ZSTD(1)),
    browser LowCardinality(String) DEFAULT '',
    browser_version LowCardinality(String) DEFAULT '',
    os LowCardinality(String) DEFAULT '',
    os_version LowCardinality(String) DEFAULT '',
    device_type LowCardinality(String) DEFAULT '',
    device_vendor LowCardinality(String) DEFAULT '',
    device_model LowCardinality(String) DEFAULT '',
    screen_width UInt16 DEFAULT 0,
    screen_height UInt16 DEFAULT 0,
    locale LowCardinality(String) DEFAULT '',
    -- ISO 3166-1 alpha-2 when known, '' otherwise.
    country LowCardinality(String) DEFAULT '',
    -- The event's properties/traits as JSON text; parsed at query time with JSONExtract*.
    properties String DEFAULT '{}' CODEC(ZSTD(1)),
    -- The app's retention copied onto each row by ingest, so one TTL serves every app.
    -- 365 days only applies to rows inserted without it (ad-hoc inserts, old writers).
    retention_days UInt16 DEFAULT 365,
    -- The per-user analytics endpoint looks rows up by user_id inside an app's time range.
    INDEX idx_user_id user_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
-- app_id first: every query is per app. Day, then type and name: dashboards filter a time
-- range and usually one event type or name, and similar rows compress together.
ORDER BY (app_id, toDate(ts), event_type, name, ts)
TTL toDateTime(ts) + toIntervalDay(retention_days)
-- 10000 blocks: the flusher sends about one block per second per table per edge, so this
-- remembers the last ~16 minutes of tokens with ten edges (hours with one), comfortably longer
-- than any retry or restart re-send of a spooled batch.
SETTINGS non_replicated_deduplication_window = 10000;
