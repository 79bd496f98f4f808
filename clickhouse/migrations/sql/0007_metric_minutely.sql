-- Per app x metric x type x label set x bucket layout x minute: the rollup behind metric
-- series. Sums and min/max/count are exact; value_last is the sample with the latest ts (ties
-- broken by the larger value, so merge order cannot change it).
--
-- bucket_counts[i] counts samples with value <= bucket_bounds[i] (cumulative, like Prometheus
-- "le"); observations above the last bound are sample_count - bucket_counts[-1]. The bounds are
-- part of the key, so a changed config starts new rows instead of mixing two layouts.
--
-- value_quantiles is a t-digest of histogram samples only (empty for counters and gauges). Read
-- any levels with quantilesTDigestMerge(0.5, 0.95, 0.99)(value_quantiles). A t-digest is
-- approximate and its merge is not order-independent: expect about 1% rank error, not equality
-- with a raw quantile.
CREATE TABLE IF NOT EXISTS metric_minutely
(
    app_id UUID,
    name LowCardinality(String),
    type Enum8('counter' = 1, 'gauge' = 2, 'histogram' = 3),
    labels Map(LowCardinality(String), String),
    bucket_bounds Array(Float64),
    minute DateTime('UTC'),
    sample_count SimpleAggregateFunction(sum, UInt64),
    value_sum SimpleAggregateFunction(sum, Float64),
    value_min SimpleAggregateFunction(min, Float64),
    value_max SimpleAggregateFunction(max, Float64),
    value_last AggregateFunction(argMax, Float64, Tuple(DateTime64(3, 'UTC'), Float64)),
    bucket_counts AggregateFunction(sumForEach, Array(UInt64)),
    value_quantiles AggregateFunction(quantileTDigest, Float64),
    retention_days SimpleAggregateFunction(max, UInt16)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (app_id, name, minute, type, labels, bucket_bounds)
TTL minute + toIntervalDay(retention_days)
-- Dedup window: see 0003.
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS metric_minutely_mv TO metric_minutely AS
SELECT
    app_id,
    name,
    type,
    labels,
    bucket_bounds,
    toStartOfMinute(ts) AS minute,
    count() AS sample_count,
    sum(value) AS value_sum,
    min(value) AS value_min,
    max(value) AS value_max,
    argMaxState(value, (ts, value)) AS value_last,
    sumForEachState(arrayMap(b -> toUInt64(value <= b), bucket_bounds)) AS bucket_counts,
    quantileTDigestIfState(value, type = 'histogram') AS value_quantiles,
    max(retention_days) AS retention_days
FROM metric_samples
GROUP BY app_id, name, type, labels, bucket_bounds, minute;
