// Retried batches: the flusher re-sends a batch with the same insert_deduplication_token after
// a timeout or a restart. It must be stored once in the raw table and counted once in every
// rollup, across monthly partitions; a batch with a new token must be stored again.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEDUPLICATED_INSERT_SETTINGS } from '../migrations/index.ts';
import type { InsertOptions, QuerySettings } from '../types.ts';
import { eventsSelect, METRIC_SAMPLES_SELECT, type MigratedEngine, openMigratedEngine } from './fixtures.ts';

// A flusher-sized batch is far larger, but 5k rows across two months and many sessions
// already exercise every partition and every view.
const BATCH_EVENTS = 5_000;
const BATCH_SESSIONS = 400;
const BATCH_VISITORS = 200;
const METRIC_BATCH = 2_000;

let engine: MigratedEngine;

beforeAll(async () => {
  engine = await openMigratedEngine('dedup');
});

afterAll(async () => {
  await engine?.dispose();
});

/** A batch as the flusher sends it: JSONEachRow bytes of generated events for fresh apps. */
async function eventBatch(): Promise<{ apps: string[]; bytes: Buffer }> {
  const apps = [randomUUID(), randomUUID()];
  const rows = await engine.ch.query(eventsSelect(BATCH_SESSIONS, BATCH_VISITORS), {
    params: { apps, offset: 0, count: BATCH_EVENTS },
  });
  return { apps, bytes: Buffer.from(rows.map((row) => JSON.stringify(row)).join('\n')) };
}

function sendEvents(
  bytes: Buffer,
  token: string,
  settings: QuerySettings = DEDUPLICATED_INSERT_SETTINGS,
): Promise<void> {
  const options: InsertOptions = { deduplicationToken: token, settings };
  return engine.ch.insert('events', { jsonEachRow: bytes }, options);
}

/** What every table says about the apps: raw and rollup counts, and the rollups' unique counts. */
async function snapshot(apps: readonly string[]) {
  const [row] = await engine.ch.query<Record<string, string>>(
    `SELECT
       (SELECT count() FROM events WHERE app_id IN {apps:Array(UUID)}) AS raw_events,
       (SELECT partitions FROM (SELECT uniqExact(toYYYYMM(ts)) AS partitions FROM events
          WHERE app_id IN {apps:Array(UUID)})) AS raw_partitions,
       (SELECT sum(event_count) FROM events_hourly WHERE app_id IN {apps:Array(UUID)}) AS hourly_events,
       (SELECT uniqCombined64Merge(unique_visitors) FROM events_hourly WHERE app_id IN {apps:Array(UUID)})
         AS hourly_visitors,
       (SELECT sum(event_count) FROM events_daily WHERE app_id IN {apps:Array(UUID)}) AS daily_events,
       (SELECT sum(pageviews) FROM events_daily WHERE app_id IN {apps:Array(UUID)}) AS daily_pageviews,
       (SELECT uniqCombined64Merge(unique_sessions) FROM events_daily WHERE app_id IN {apps:Array(UUID)})
         AS daily_sessions,
       (SELECT sum(event_count) FROM events_daily_dims WHERE app_id IN {apps:Array(UUID)}) AS dims_events,
       (SELECT uniqCombined64Merge(12)(unique_visitors) FROM events_daily_dims
          WHERE app_id IN {apps:Array(UUID)} AND dimension = 'browser') AS dims_visitors,
       (SELECT sum(event_count) FROM sessions_daily WHERE app_id IN {apps:Array(UUID)}) AS session_events,
       (SELECT sum(pageviews) FROM sessions_daily WHERE app_id IN {apps:Array(UUID)}) AS session_pageviews,
       (SELECT count() FROM (SELECT day, session_id FROM sessions_daily WHERE app_id IN {apps:Array(UUID)}
          GROUP BY day, session_id)) AS session_days,
       (SELECT sum(events) FROM sessions_day_counts WHERE app_id IN {apps:Array(UUID)}) AS day_count_events`,
    { params: { apps } },
  );
  const count = (name: string) => Number(row?.[name]);
  return {
    raw_events: count('raw_events'),
    raw_partitions: count('raw_partitions'),
    hourly_events: count('hourly_events'),
    hourly_visitors: count('hourly_visitors'),
    daily_events: count('daily_events'),
    daily_pageviews: count('daily_pageviews'),
    daily_sessions: count('daily_sessions'),
    dims_events: count('dims_events'),
    dims_visitors: count('dims_visitors'),
    session_events: count('session_events'),
    session_pageviews: count('session_pageviews'),
    session_days: count('session_days'),
    // Fed by a view on sessions_daily: a view of a view must drop the repeat too.
    day_count_events: count('day_count_events'),
  };
}

describe('a retried events batch', () => {
  it('is stored once in events and counted once in every rollup; a new token stores it again', async () => {
    const { apps, bytes } = await eventBatch();
    await sendEvents(bytes, 'spool:events:000001');
    const once = await snapshot(apps);
    expect(once.raw_events).toBe(BATCH_EVENTS);
    expect(once.raw_partitions).toBe(2);
    expect(once.hourly_events).toBe(BATCH_EVENTS);
    expect(once.daily_events).toBe(BATCH_EVENTS);
    expect(once.daily_pageviews).toBeGreaterThan(0);
    // Each dimension row set counts every event once; six dimensions.
    expect(once.dims_events).toBe(BATCH_EVENTS * 6);
    expect(once.session_events).toBeGreaterThan(BATCH_EVENTS * 0.9);
    // Sessions at 23:45 run past midnight: at least one (day, session) per session.
    expect(once.session_days).toBeGreaterThanOrEqual(BATCH_SESSIONS);
    expect(once.day_count_events).toBe(once.session_events);

    await sendEvents(bytes, 'spool:events:000001');
    await sendEvents(bytes, 'spool:events:000001');
    expect(await snapshot(apps)).toEqual(once);

    await sendEvents(bytes, 'spool:events:000002');
    const twice = await snapshot(apps);
    expect(twice).toEqual({
      raw_events: 2 * once.raw_events,
      raw_partitions: 2,
      hourly_events: 2 * once.hourly_events,
      hourly_visitors: once.hourly_visitors,
      daily_events: 2 * once.daily_events,
      daily_pageviews: 2 * once.daily_pageviews,
      daily_sessions: once.daily_sessions,
      dims_events: 2 * once.dims_events,
      dims_visitors: once.dims_visitors,
      session_events: 2 * once.session_events,
      session_pageviews: 2 * once.session_pageviews,
      session_days: once.session_days,
      day_count_events: 2 * once.day_count_events,
    });
  });

  it('doubles the rollups when deduplicate_blocks_in_dependent_materialized_views is off (why the writer sends it)', async () => {
    const { apps, bytes } = await eventBatch();
    const withoutViewDedup = {
      ...DEDUPLICATED_INSERT_SETTINGS,
      deduplicate_blocks_in_dependent_materialized_views: 0,
    };
    await sendEvents(bytes, 'spool:events:000003', withoutViewDedup);
    await sendEvents(bytes, 'spool:events:000003', withoutViewDedup);
    const after = await snapshot(apps);
    expect(after.raw_events).toBe(BATCH_EVENTS);
    expect(after.hourly_events).toBe(2 * BATCH_EVENTS);
    expect(after.daily_events).toBe(2 * BATCH_EVENTS);
    const [raw] = await engine.ch.query<{ session_events: string }>(
      "SELECT count() AS session_events FROM events WHERE app_id IN {apps:Array(UUID)} AND session_id != ''",
      { params: { apps } },
    );
    expect(after.session_events).toBe(2 * Number(raw?.session_events));
  });
});

describe('retried batches of the other tables', () => {
  it('stores a metric_samples batch and its per-minute rollup once', async () => {
    const apps = [randomUUID()];
    const rows = await engine.ch.query(METRIC_SAMPLES_SELECT, {
      params: { apps, offset: 0, count: METRIC_BATCH },
    });
    const bytes = Buffer.from(rows.map((row) => JSON.stringify(row)).join('\n'));
    const counts = async () => {
      const [row] = await engine.ch.query<{ raw: string; rollup: string; value_sum: number }>(
        `SELECT (SELECT count() FROM metric_samples WHERE app_id IN {apps:Array(UUID)}) AS raw,
                (SELECT sum(sample_count) FROM metric_minutely WHERE app_id IN {apps:Array(UUID)}) AS rollup,
                (SELECT sum(value_sum) FROM metric_minutely WHERE app_id IN {apps:Array(UUID)}) AS value_sum`,
        { params: { apps } },
      );
      return { raw: Number(row?.raw), rollup: Number(row?.rollup), valueSum: row?.value_sum };
    };
    const options: InsertOptions = {
      deduplicationToken: 'spool:metrics:000001',
      settings: DEDUPLICATED_INSERT_SETTINGS,
    };
    await engine.ch.insert('metric_samples', { jsonEachRow: bytes }, options);
    const once = await counts();
    expect(once).toMatchObject({ raw: METRIC_BATCH, rollup: METRIC_BATCH });
    await engine.ch.insert('metric_samples', { jsonEachRow: bytes }, options);
    expect(await counts()).toEqual(once);
  });

  it('stores a events_quarantine batch once', async () => {
    const app = randomUUID();
    const items = Array.from({ length: 50 }, (_, index) => ({
      app_id: app,
      reason: 'invalid_type',
      message: `item ${index}: "type" must be a string`,
      payload: JSON.stringify({ type: index }),
      source: '/api/events/track/batch',
    }));
    const options: InsertOptions = {
      deduplicationToken: 'spool:quarantine:000001',
      settings: DEDUPLICATED_INSERT_SETTINGS,
    };
    await engine.ch.insert('events_quarantine', items, options);
    await engine.ch.insert('events_quarantine', items, options);
    const [row] = await engine.ch.query<{ stored: string }>(
      'SELECT count() AS stored FROM events_quarantine WHERE app_id = {app:UUID}',
      { params: { app } },
    );
    expect(Number(row?.stored)).toBe(items.length);
  });
});
