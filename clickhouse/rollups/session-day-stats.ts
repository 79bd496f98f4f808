// Keeps sessions_day_stats (migration 0010) in step with sessions_daily: every day before today
// whose current event count (sessions_day_counts) differs from the count its stats row was
// computed from, or that has no stats row, is computed again from sessions_daily FINAL. Today is
// left out: it changes with every flush, so readers merge it from sessions_daily anyway. A day
// that no longer changes is computed once; a late event makes its day stale (readers then merge
// it again) until the next pass. One statement, so a pass with nothing stale reads two small
// tables and writes nothing.
import type { Logger } from '../../runtime/logger/index.ts';
import type { ClickHouse } from '../types.ts';

const DAY_MS = 86_400_000;
// Readers fall back to FINAL for a stale day, so this only bounds how long they do.
export const SESSION_STATS_INTERVAL_MS = 60_000;

const REFRESH_SQL = `
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
WHERE day < {today:Date} AND (app_id, day) IN (
    SELECT app_id, day
    FROM (
        SELECT app_id, day, sum(events) AS events
        FROM sessions_day_counts
        WHERE day < {today:Date}
        GROUP BY app_id, day
    )
    WHERE (app_id, day, events) NOT IN (
        SELECT app_id, day, argMax(events, computed_at)
        FROM sessions_day_stats
        WHERE day < {today:Date}
        GROUP BY app_id, day
    )
)
GROUP BY app_id, day`;

/** One pass: computes every stale or missing day before `now`'s UTC day. */
export async function refreshSessionDayStats(
  ch: ClickHouse,
  now: number,
  signal?: AbortSignal,
): Promise<void> {
  const today = new Date(Math.floor(now / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
  await ch.command(REFRESH_SQL, {
    params: { today },
    ...(signal ? { signal } : {}),
    // Work done in the background: it may take its time on a first pass over a long history.
    settings: { max_execution_time: 0, do_not_merge_across_partitions_select_final: 1 },
  });
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
  const stopping = new AbortController();
  const pass = () => {
    running = running.then(async () => {
      if (stopping.signal.aborted) return;
      await refreshSessionDayStats(clickhouse, now(), stopping.signal).catch((error: unknown) => {
        if (stopping.signal.aborted) return;
        logger.warn(
          { err: error },
          'session stats refresh failed; overviews merge those days until the next pass',
        );
      });
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
