// The edge's Prometheus metrics, on a registry passed in (never prom-client's global one), so
// several edges in one test process do not collide. Names are a contract with the shipped
// Grafana "Pipeline health" dashboard.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface EdgeMetrics {
  accepted: Counter<'endpoint'>;
  rejected: Counter<'endpoint' | 'reason'>;
  requests: Counter<'endpoint' | 'status'>;
  latency: Histogram<'endpoint'>;
  rateLimited: Counter<'limit'>;
  keyCache: Counter<'result'>;
  clickhouseErrors: Counter<'table'>;
  flushRows: Histogram<'table'>;
  flushSeconds: Histogram<'table'>;
  spoolCommitSeconds: Histogram;
  spoolCommitAppends: Histogram;
  eventLoopDelay: Gauge<'quantile'>;
  spoolBytes: Gauge;
  spoolOldestAge: Gauge;
  limiterFailOpen: Gauge;
}

export function createEdgeMetrics(
  registry: Registry,
  sources: { spoolBytes: () => number; oldestPendingAt: () => number | undefined; now: () => number },
): EdgeMetrics {
  const on = { registers: [registry] };
  return {
    accepted: new Counter({
      name: 'ingest_events_accepted_total',
      help: 'Items accepted',
      labelNames: ['endpoint'],
      ...on,
    }),
    rejected: new Counter({
      name: 'ingest_events_rejected_total',
      help: 'Items rejected, by reason code',
      labelNames: ['endpoint', 'reason'],
      ...on,
    }),
    requests: new Counter({
      name: 'ingest_requests_total',
      help: 'Requests by endpoint and status',
      labelNames: ['endpoint', 'status'],
      ...on,
    }),
    latency: new Histogram({
      name: 'ingest_request_duration_seconds',
      help: 'Time from request to response',
      labelNames: ['endpoint'],
      // Sub-millisecond to a quarter second: the group commit dominates the low end.
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      ...on,
    }),
    rateLimited: new Counter({
      name: 'ingest_rate_limited_total',
      help: 'Requests refused by a rate limit',
      labelNames: ['limit'],
      ...on,
    }),
    keyCache: new Counter({
      name: 'ingest_key_cache_lookups_total',
      help: 'In-process key cache lookups by result (hit ratio = hit / all)',
      labelNames: ['result'],
      ...on,
    }),
    clickhouseErrors: new Counter({
      name: 'ingest_clickhouse_errors_total',
      help: 'Failed spool flushes into ClickHouse',
      labelNames: ['table'],
      ...on,
    }),
    flushRows: new Histogram({
      name: 'ingest_flush_rows',
      help: 'Rows per ClickHouse insert',
      labelNames: ['table'],
      buckets: [10, 100, 1_000, 10_000, 50_000, 100_000, 250_000, 1_000_000],
      ...on,
    }),
    flushSeconds: new Histogram({
      name: 'ingest_flush_duration_seconds',
      help: 'Time per ClickHouse insert of one spool segment',
      labelNames: ['table'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      ...on,
    }),
    spoolCommitSeconds: new Histogram({
      name: 'ingest_spool_commit_duration_seconds',
      help: 'Time for one group commit (write + fsync): the floor of acknowledgement latency',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      ...on,
    }),
    spoolCommitAppends: new Histogram({
      name: 'ingest_spool_commit_appends',
      help: 'Requests acknowledged by one group commit',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 1000],
      ...on,
    }),
    eventLoopDelay: (() => {
      const histogram = monitorEventLoopDelay({ resolution: 10 });
      histogram.enable();
      return new Gauge({
        name: 'ingest_event_loop_delay_seconds',
        help: 'Event loop delay since the last scrape (p50, p99, max)',
        labelNames: ['quantile'],
        collect() {
          this.set({ quantile: '0.5' }, histogram.percentile(50) / 1e9);
          this.set({ quantile: '0.99' }, histogram.percentile(99) / 1e9);
          this.set({ quantile: 'max' }, histogram.max / 1e9);
          histogram.reset();
        },
        ...on,
      });
    })(),
    spoolBytes: new Gauge({
      name: 'ingest_spool_bytes',
      help: 'Bytes in the spool not yet in ClickHouse',
      collect() {
        this.set(sources.spoolBytes());
      },
      ...on,
    }),
    spoolOldestAge: new Gauge({
      name: 'ingest_spool_oldest_age_seconds',
      help: 'Age of the oldest event not yet in ClickHouse',
      collect() {
        const oldest = sources.oldestPendingAt();
        this.set(oldest === undefined ? 0 : Math.max(0, (sources.now() - oldest) / 1000));
      },
      ...on,
    }),
    limiterFailOpen: new Gauge({
      name: 'ingest_rate_limiter_fail_open',
      help: '1 while Redis is unreachable and limits are per process',
      ...on,
    }),
  };
}
