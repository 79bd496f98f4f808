-- Raw metric samples: one row per sample of a configured metric. A histogram sample is one
-- observation; ingest attaches the metric config's bucket upper bounds to it so the per-minute
-- rollup can count buckets without knowing the config.
CREATE TABLE IF NOT EXISTS metric_samples
(
    app_id UUID,
    name LowCardinality(String),
    type Enum8('counter' = 1, 'gauge' = 2, 'histogram' = 3),
    labels Map(LowCardinality(String), String),
    value Float64,
    ts DateTime64(3, 'UTC') DEFAULT received_at CODEC(Delta, ZSTD(1)),
    received_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    -- Ascending upper bounds (Prometheus "le"); empty for counters and gauges.
    bucket_bounds Array(Float64) DEFAULT [],
    -- The app's retention, as on events (0001).
    retention_days UInt16 DEFAULT 365
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
-- Metric queries read one metric of one app over a time range.
ORDER BY (app_id, name, ts)
TTL toDateTime(ts) + toIntervalDay(retention_days)
-- Same window and reason as events (0001).
SETTINGS non_replicated_deduplication_window = 10000;
