// Keeps sessions_day_stats (migration 0010) in step with sessions_daily: every day before today
// whose current event count (sessions_day_counts) differs from the count its stats row was
// computed from, or that has no stats row, is computed again from sessions_daily FINAL. Today is
// left out: it changes with every flush, so readers merge it from sessions_daily anyway. A day
// that no longer changes is computed once; a late event makes its day stale (readers then merge
// it again) until the next pass. A pass lists the stale days first (a read of two small tables)
// and writes only when there are some. A day whose sessions expire unevenly (an app's retention
// changed during it) may never match its count again: readers then merge it, and each pass
// computes it again, which costs one app-day of FINAL a minute.
import type { Logger } from '../../runtime/logger/index.ts';
import type { ClickHouse } from '../types.ts';

// Readers fall back to FINAL for a stale day, so this only bounds how long they do.
export const SESSION_STATS_INTERVAL_MS = 60_000;

// Pairs per INSERT: their parameters travel in the request's URL on the server adapter.
const PAIRS_PER_INSERT = 500;

// Days before today whose count moved since their figures were computed, or that have none. A
// join of two aggregated subqueries (not a table filtered by a subquery over another table),
// which a sharded cluster evaluates on the initiator; a missing stats row joins as 0 events,
// and a counts row always has at least one.
const STALE_SQL = `
SELECT toString(counts.app_id) AS app, toString(counts.day) AS day
FROM (
    SELECT app_id, day, sum(events) AS events
    FROM sessions_day_counts
    WHERE day < {today:Date}
    GROUP BY app_id, day
) AS counts
LEFT JOIN (
    SELECT app_id, day, argMax(events, computed_at) AS events
    FROM sessions_day_stats
    WHERE day < {today:Date}
    GROUP BY app_id, day
) AS stats ON counts.app_id = stats.app_id AND counts.day = stats.day
WHERE counts.events != stats.events
ORDER BY counts.day, counts.app_id`;

// The figures and the count they belong to, from one snapshot of sessions_daily. IN over the
// zipped pairs builds a set; has() on the same array scanned it for every row (5x slower).
const COMPUTE_SQL = `
INSERT INTO sessions_day_stats (app_id, day, events, sessions, bounces, total_ms, computed_at, retention_days)
SELECT
    app_id,
    day,
    sum(event_count) AS events,
    count() AS sessions,
    countIf(event_count = 1) AS bounces,
    sum(toUnixTimestamp64Milli(ended_at) - toUnixTimestamp64Milli(started_at)) AS total_ms,
    now64(3) AS computed_at,
    max(retention_days) AS retention_days
FROM sessions_daily FINAL
WHERE app_id IN {apps:Array(UUID)} AND day IN {days:Array(Date)}
  AND (app_id, day) IN arrayZip({apps:Array(UUID)}, {days:Array(Date)})
GROUP BY app_id, day`;

/** One pass: computes every stale or missing day before `now`'s UTC day. */
export async function refreshSessionDayStats(
  ch: ClickHouse,
  now: number,
  signal?: AbortSignal,
): Promise<void> {
  const today = new Date(now).toISOString().slice(0, 10);
  const stale = await ch.query<{ app: string; day: string }>(STALE_SQL, { params: { today }, signal });
  for (let start = 0; start < stale.length; start += PAIRS_PER_INSERT) {
    const pairs = stale.slice(start, start + PAIRS_PER_INSERT);
    await ch.command(COMPUTE_SQL, {
      params: { apps: pairs.map((pair) => pair.app), days: pairs.map((pair) => pair.day) },
      signal,
      settings: {
        // Background work: a first pass over a long history may take its time.
        max_execution_time: 0,
        do_not_merge_across_partitions_select_final: 1,
        // On a cluster, each shard's part of the insert is written before the pass moves on
        // (the older servers' name for the same setting, and the current one).
        insert_distributed_sync: 1,
        distributed_foreground_insert: 1,
      },
    });
  }
}

/**
 * Runs a pass at start and then every interval; passes never overlap. stop() cancels a pass in
 * flight (a first pass over a long history can take seconds) rather than hold up a shutdown.
 */
export function startSessionStatsRefresher(options: {
  clickhouse: ClickHouse;
  logger: Logger;
  now: () => number;
  intervalMs?: number;
}): { stop(): Promise<void> } {
  const { clickhouse, logger, now } = options;
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const stopping = new AbortController();
  // A tick while a pass is still running is skipped, so slow passes never queue up.
  const pass = () => {
    if (busy || stopping.signal.aborted) return;
    busy = true;
    running = refreshSessionDayStats(clickhouse, now(), stopping.signal)
      .catch((error: unknown) => {
        if (stopping.signal.aborted) return;
        logger.warn(
          { err: error },
          'session stats refresh failed; overviews merge those days until the next pass',
        );
      })
      .finally(() => {
        busy = false;
      });
  };
  pass();
  const timer = setInterval(pass, options.intervalMs ?? SESSION_STATS_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      stopping.abort();
      clearInterval(timer);
      await running;
    },
  };
}
