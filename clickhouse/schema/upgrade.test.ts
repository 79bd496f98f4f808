// An install upgraded to 0008 gets complete day-grain rollups: the engine is migrated only up to
// 0007 (the schema of the release before), events go in while sessions and the precision-17
// events_daily_dims are what the views feed, then the runner applies the rest. 0008 rebuilds
// events_daily_dims and sessions_daily and fills events_daily from the raw events, so every
// rebuilt rollup must equal raw for the events written before the upgrade, and keep equalling it
// once events written after it arrive through the new views. A 0008 that is applied again (a
// run that failed halfway re-runs from its first statement) must not count anything twice.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger/index.ts';
import { loadMigrations, runMigrations } from '../migrations/index.ts';
import type { QueryParams } from '../types.ts';
import {
  compareAnswers,
  copyOfMigrationsUpTo,
  DIMS_PER_DAY,
  EVENTS_DAILY_PER_DAY,
  IN_APPS,
  insertEventsSql,
  type MigratedEngine,
  openMigratedEngine,
  type RollupQuestion,
  SESSIONS_PER_DAY,
  SESSIONS_RAW,
  TEST_DATABASE,
  UNIQ_12_TOLERANCE,
  VISITORS_RAW,
} from './fixtures.ts';

const LAST_VERSION_BEFORE = 7;
const UPGRADE = '0008_daily_rollups';
// 2 apps x 6k visitors: whole-range unique counts pass uniqCombined64's exact mode (about 4k).
const APPS = 2;
const SESSIONS = 16_000;
const VISITORS = 12_000;
const EVENTS_BEFORE = 80_000;
const EVENTS_AFTER = 40_000;
const BLOCKS = { max_block_size: 16_384, max_insert_block_size: 16_384, min_insert_block_size_rows: 0 };

const apps = Array.from({ length: APPS }, () => randomUUID());
const params: QueryParams = { apps };
let olderRelease: string;
let engine: MigratedEngine;

beforeAll(async () => {
  olderRelease = await copyOfMigrationsUpTo(LAST_VERSION_BEFORE);
  engine = await openMigratedEngine('upgrade', olderRelease);
}, 60_000);

afterAll(async () => {
  await engine?.dispose();
  if (olderRelease) await rm(olderRelease, { recursive: true, force: true });
});

async function insertEvents(offset: number, count: number): Promise<void> {
  await engine.ch.command(insertEventsSql(SESSIONS, VISITORS), {
    params: { apps, offset, count },
    settings: BLOCKS,
  });
}

async function tables(): Promise<string[]> {
  const rows = await engine.ch.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = {db:String}
     AND (name LIKE 'events_daily%' OR name LIKE 'sessions%') ORDER BY name`,
    { params: { db: TEST_DATABASE } },
  );
  return rows.map((row) => row.name);
}

const EVENTS_DAILY_PER_APP: RollupQuestion = {
  rollup: `SELECT app_id, sum(event_count), sum(pageviews), uniqCombined64Merge(unique_visitors),
                  uniqCombined64Merge(unique_sessions)
           FROM events_daily WHERE ${IN_APPS} GROUP BY app_id`,
  raw: `SELECT app_id, count(), countIf(event_type = 'pageview'), ${VISITORS_RAW}, ${SESSIONS_RAW}
        FROM events WHERE ${IN_APPS} GROUP BY app_id`,
};

async function expectEqual(question: RollupQuestion, minimumRows: number): Promise<void> {
  const result = await compareAnswers(engine.ch, question.rollup, question.raw, params);
  expect(result.onlyInRollup).toEqual([]);
  expect(result.onlyInRaw).toEqual([]);
  expect(result.rollupRows).toBe(result.rawRows);
  expect(result.rawRows).toBeGreaterThanOrEqual(minimumRows);
}

/** Every rollup 0008 (re)builds equals raw, over every event stored so far. */
async function expectCompleteRollups(events: number): Promise<void> {
  const [row] = await engine.ch.query<{ raw: string; daily: string; dims: string }>(
    `SELECT (SELECT count() FROM events WHERE ${IN_APPS}) AS raw,
            (SELECT sum(event_count) FROM events_daily WHERE ${IN_APPS}) AS daily,
            (SELECT sum(event_count) FROM events_daily_dims WHERE ${IN_APPS} AND dimension = 'browser') AS dims`,
    { params },
  );
  expect({ raw: Number(row?.raw), daily: Number(row?.daily), dims: Number(row?.dims) }).toEqual({
    raw: events,
    daily: events,
    dims: events,
  });
  await expectEqual(EVENTS_DAILY_PER_DAY, APPS * 4);
  await expectEqual(EVENTS_DAILY_PER_APP, APPS);
  await expectEqual(DIMS_PER_DAY, APPS * 3 * 200);
  // Groups of exactly 128 distinct values: within tolerance (see UNIQ_12_EXACT_MODE_LIMIT).
  const [boundary] = await engine.ch.query<{ worst: number }>(DIMS_PER_DAY.boundary, { params });
  expect(Number(boundary?.worst)).toBeLessThan(UNIQ_12_TOLERANCE);
  await expectEqual(SESSIONS_PER_DAY, SESSIONS * 0.9);
}

describe('upgrading an install with data to 0008', () => {
  it('starts from the older schema, whose views feed sessions and events_daily_dims', async () => {
    expect(engine.applied.at(-1)).toBe(`000${LAST_VERSION_BEFORE}_metric_minutely`);
    await insertEvents(0, EVENTS_BEFORE);
    expect(await tables()).toEqual(['events_daily_dims', 'events_daily_dims_mv', 'sessions', 'sessions_mv']);
    const [row] = await engine.ch.query<{ type: string; session_events: string }>(
      `SELECT (SELECT toTypeName(unique_visitors) FROM events_daily_dims LIMIT 1) AS type,
              (SELECT sum(event_count) FROM sessions WHERE ${IN_APPS}) AS session_events`,
      { params },
    );
    expect(row?.type).toBe('AggregateFunction(uniqCombined64, String)');
    expect(Number(row?.session_events)).toBeGreaterThan(EVENTS_BEFORE * 0.9);
  });

  it('applies 0008 (and what follows), after which the rebuilt rollups hold every event written before it', async () => {
    const result = await runMigrations(engine.ch, { logger: silentLogger(), log: () => {} });
    expect(result.applied).toEqual([UPGRADE, '0009_event_property_values', '0010_session_day_stats']);
    expect(await tables()).toEqual([
      'events_daily',
      'events_daily_dims',
      'events_daily_dims_mv',
      'events_daily_mv',
      'sessions_daily',
      'sessions_daily_mv',
      'sessions_day_counts',
      'sessions_day_counts_mv',
      'sessions_day_stats',
    ]);
    await expectCompleteRollups(EVENTS_BEFORE);
  });

  it('keeps them complete when events arrive through the new views', async () => {
    await insertEvents(EVENTS_BEFORE, EVENTS_AFTER);
    await expectCompleteRollups(EVENTS_BEFORE + EVENTS_AFTER);
  });

  it('counts nothing twice when 0008 runs again from its first statement', async () => {
    const upgrade = (await loadMigrations()).find((migration) => migration.name === UPGRADE);
    expect(upgrade).toBeDefined();
    for (const statement of upgrade?.statements ?? []) await engine.ch.command(statement);
    await expectCompleteRollups(EVENTS_BEFORE + EVENTS_AFTER);
  });
});
