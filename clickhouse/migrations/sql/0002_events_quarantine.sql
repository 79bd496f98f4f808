-- Items ingest rejected, with why: nothing is dropped silently. Owners read these to fix their
-- clients; after 30 days a rejected item is no longer actionable, so it expires.
CREATE TABLE IF NOT EXISTS events_quarantine
(
    app_id UUID,
    received_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    -- Stable machine code (e.g. invalid_type, too_large); message is the human text.
    reason LowCardinality(String),
    message String DEFAULT '',
    -- The raw item exactly as received, so a fixed client or a replay can recover it.
    payload String DEFAULT '' CODEC(ZSTD(3)),
    -- The endpoint that received it, e.g. /api/events/track/batch or /v1/batch.
    source LowCardinality(String) DEFAULT ''
)
ENGINE = MergeTree
-- Daily partitions let the 30-day TTL drop whole parts instead of rewriting them.
PARTITION BY toYYYYMMDD(received_at)
ORDER BY (app_id, received_at)
TTL toDateTime(received_at) + INTERVAL 30 DAY
-- Same window and reason as events (0001).
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;
