// The migration runner against a real embedded engine: a fresh store gets every migration,
// a re-run changes nothing, the record matches the files, an edited migration is refused, and
// the tables other code is written against have the columns it expects. That an older install
// gets complete rollups when it upgrades is upgrade.test.ts.
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger/index.ts';
import { tempDir } from '../../runtime/testing/services.ts';
import { loadMigrations, MIGRATIONS_DIR, MigrationError, runMigrations } from '../migrations/index.ts';
import { type MigratedEngine, openMigratedEngine, TEST_DATABASE } from './fixtures.ts';

let engine: MigratedEngine;

beforeAll(async () => {
  engine = await openMigratedEngine('migrations');
});

const copies: string[] = [];

afterAll(async () => {
  await engine?.dispose();
  await Promise.all(copies.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A scratch copy of the shipped migrations that a test may edit. */
async function copyOfMigrations(): Promise<string> {
  const dir = await tempDir('migrations-sql');
  copies.push(dir);
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

async function columnsOf(table: string): Promise<string[]> {
  const rows = await engine.ch.query<{ name: string; type: string }>(
    'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {table:String} ORDER BY position',
    { params: { db: TEST_DATABASE, table } },
  );
  return rows.map((row) => `${row.name} ${row.type}`);
}

describe('runMigrations', () => {
  it('applies every migration, in order, to an empty store', async () => {
    const files = await loadMigrations();
    expect(files.length).toBeGreaterThanOrEqual(8);
    expect(engine.applied).toEqual(files.map((migration) => migration.name));
    expect(engine.applied[0]).toBe('0001_events');
  });

  it('records version, name and checksum of each applied migration', async () => {
    const files = await loadMigrations();
    const recorded = await engine.ch.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    expect(recorded).toEqual(
      files.map((migration) => ({
        version: migration.version,
        name: migration.name,
        checksum: migration.checksum,
      })),
    );
  });

  it('is a no-op when run again', async () => {
    const lines: string[] = [];
    const result = await runMigrations(engine.ch, {
      logger: silentLogger(),
      log: (line) => lines.push(line),
    });
    expect(result.applied).toEqual([]);
    expect(lines).toEqual([expect.stringMatching(/^schema is up to date/)]);
    const [{ records } = { records: '' }] = await engine.ch.query<{ records: string }>(
      'SELECT count() AS records FROM schema_migrations',
    );
    expect(Number(records)).toBe(engine.applied.length);
  });

  it('applies only a new migration, and prints it', async () => {
    const dir = await copyOfMigrations();
    await writeFile(
      path.join(dir, '0999_test_marker.sql'),
      '-- A test-only migration.\nCREATE TABLE IF NOT EXISTS test_marker (x UInt8)\nENGINE = MergeTree\nORDER BY x;\n',
    );
    const lines: string[] = [];
    const result = await runMigrations(engine.ch, {
      logger: silentLogger(),
      log: (line) => lines.push(line),
      dir,
    });
    expect(result.applied).toEqual(['0999_test_marker']);
    expect(lines).toEqual([expect.stringMatching(/^applied 0999_test_marker \(1 statement, \d+ ms\)$/)]);
    expect(await columnsOf('test_marker')).toEqual(['x UInt8']);
  });

  it('refuses to run when an applied migration was edited, before changing anything', async () => {
    const dir = await copyOfMigrations();
    const file = path.join(dir, '0002_events_quarantine.sql');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('INTERVAL 30 DAY', 'INTERVAL 31 DAY'));
    await writeFile(
      path.join(dir, '0998_never_applied.sql'),
      'CREATE TABLE IF NOT EXISTS never_applied (x UInt8)\nENGINE = MergeTree\nORDER BY x;\n',
    );

    const run = runMigrations(engine.ch, { logger: silentLogger(), dir });
    await expect(run).rejects.toThrow(MigrationError);
    await expect(run).rejects.toMatchObject({
      code: 'migration_checksum_mismatch',
      message: expect.stringMatching(/^0002_events_quarantine\.sql changed after it was applied/),
    });
    expect(await columnsOf('never_applied')).toEqual([]);
  });

  it('ignores edits to comment lines (they are not part of the checksum)', async () => {
    const dir = await copyOfMigrations();
    const file = path.join(dir, '0001_events.sql');
    await writeFile(file, `-- An added explanation; with a semicolon.\n${await readFile(file, 'utf8')}`);
    await expect(runMigrations(engine.ch, { logger: silentLogger(), dir, log: () => {} })).resolves.toEqual({
      applied: [],
    });
  });

  it('reports a failing statement with the migration name and leaves it unrecorded', async () => {
    const dir = await copyOfMigrations();
    await writeFile(
      path.join(dir, '0997_broken.sql'),
      'CREATE TABLE IF NOT EXISTS broken (x NoSuchType)\nENGINE = MergeTree\nORDER BY x;\n',
    );
    await expect(
      runMigrations(engine.ch, { logger: silentLogger(), dir, log: () => {} }),
    ).rejects.toMatchObject({
      code: 'migration_failed',
      message: expect.stringMatching(/^0997_broken: statement 1 of 1 failed: .*NoSuchType/),
    });
    const recorded = await engine.ch.query('SELECT version FROM schema_migrations WHERE version = 997');
    expect(recorded).toEqual([]);
  });
});

// The names other engineers code against. A change here is a contract change: update callers.
describe('schema contract', () => {
  it('events has the agreed columns and types', async () => {
    expect(await columnsOf('events')).toEqual([
      'app_id UUID',
      'event_id UUID',
      'event_type LowCardinality(String)',
      'name String',
      "ts DateTime64(3, 'UTC')",
      "received_at DateTime64(3, 'UTC')",
      'user_id String',
      'anonymous_id String',
      'session_id String',
      'visitor_id String',
      'url String',
      'host LowCardinality(String)',
      'path String',
      'referrer String',
      'referrer_domain LowCardinality(String)',
      'utm_source LowCardinality(String)',
      'utm_medium LowCardinality(String)',
      'utm_campaign LowCardinality(String)',
      'utm_term LowCardinality(String)',
      'utm_content LowCardinality(String)',
      'title String',
      'browser LowCardinality(String)',
      'browser_version LowCardinality(String)',
      'os LowCardinality(String)',
      'os_version LowCardinality(String)',
      'device_type LowCardinality(String)',
      'device_vendor LowCardinality(String)',
      'device_model LowCardinality(String)',
      'screen_width UInt16',
      'screen_height UInt16',
      'locale LowCardinality(String)',
      'country LowCardinality(String)',
      'properties String',
      'retention_days UInt16',
      // 0009: computed from properties on insert, for metadata breakdowns.
      'property_values Map(LowCardinality(String), String)',
    ]);
  });

  it('an event needs only app_id: every other column has a default', async () => {
    const app = '0190a1b2-0000-7000-8000-00000000c0de';
    await engine.ch.insert('events', [{ app_id: app }]);
    const [row] = await engine.ch.query<Record<string, unknown>>(
      'SELECT event_type, visitor_id, properties, retention_days, ts = received_at AS same_time FROM events WHERE app_id = {app:UUID}',
      { params: { app } },
    );
    expect(row).toEqual({
      event_type: 'track',
      visitor_id: '',
      properties: '{}',
      retention_days: 365,
      same_time: 1,
    });
  });

  it('property_values holds what the JSON path answers for each top-level key', async () => {
    const app = '0190a1b2-0000-7000-8000-0000000b0a75';
    const properties = {
      plan: 'pro',
      quoted: 'say "hi"\\n',
      unicode: 'caf\u00e9 \u{1F600}',
      n: 3.5,
      flag: true,
      none: null,
      nested: { tier: 'gold', n: [1, 2] },
      list: ['a', 1],
      empty: '',
    };
    await engine.ch.insert('events', [{ app_id: app, properties: JSON.stringify(properties) }]);
    const keys = [...Object.keys(properties), 'missing'];
    const [row] = await engine.ch.query<{ mapped: string[]; parsed: string[] }>(
      `SELECT arrayMap(k -> property_values[k], {keys:Array(String)}) AS mapped,
              arrayMap(k -> if(JSONType(properties, k) = 'String', JSONExtractString(properties, k),
                               JSONExtractRaw(properties, k)), {keys:Array(String)}) AS parsed
       FROM events WHERE app_id = {app:UUID}`,
      { params: { app, keys } },
    );
    expect(row?.mapped).toEqual(row?.parsed);
    expect(row?.mapped.slice(0, 3)).toEqual([properties.plan, properties.quoted, properties.unicode]);
  });

  it('the other tables have the agreed columns', async () => {
    expect(await columnsOf('events_quarantine')).toEqual([
      'app_id UUID',
      "received_at DateTime64(3, 'UTC')",
      'reason LowCardinality(String)',
      'message String',
      'payload String',
      'source LowCardinality(String)',
    ]);
    expect(await columnsOf('events_hourly')).toEqual([
      'app_id UUID',
      'event_type LowCardinality(String)',
      "hour DateTime('UTC')",
      'event_count SimpleAggregateFunction(sum, UInt64)',
      'unique_visitors AggregateFunction(uniqCombined64, String)',
      'unique_sessions AggregateFunction(uniqCombined64, String)',
      'retention_days SimpleAggregateFunction(max, UInt16)',
    ]);
    expect(await columnsOf('events_daily')).toEqual([
      'app_id UUID',
      'day Date',
      'event_count SimpleAggregateFunction(sum, UInt64)',
      'pageviews SimpleAggregateFunction(sum, UInt64)',
      'unique_visitors AggregateFunction(uniqCombined64, String)',
      'unique_sessions AggregateFunction(uniqCombined64, String)',
      'retention_days SimpleAggregateFunction(max, UInt16)',
    ]);
    // Since 0008 its unique counts are uniqCombined64(12) states: read with uniqCombined64Merge(12).
    expect(await columnsOf('events_daily_dims')).toEqual([
      'app_id UUID',
      'day Date',
      'dimension LowCardinality(String)',
      'value String',
      'event_type LowCardinality(String)',
      'event_count SimpleAggregateFunction(sum, UInt64)',
      'unique_visitors AggregateFunction(uniqCombined64(12), String)',
      'unique_sessions AggregateFunction(uniqCombined64(12), String)',
      'retention_days SimpleAggregateFunction(max, UInt16)',
    ]);
    // Keyed by cityHash64(session_id) (0008): group by day and session_key to merge a session's rows.
    expect(await columnsOf('sessions_daily')).toEqual([
      'app_id UUID',
      'day Date',
      'session_key UInt64',
      'session_id SimpleAggregateFunction(any, String)',
      "visitor_id AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), UUID))",
      "started_at SimpleAggregateFunction(min, DateTime64(3, 'UTC'))",
      "ended_at SimpleAggregateFunction(max, DateTime64(3, 'UTC'))",
      'pageviews SimpleAggregateFunction(sum, UInt64)',
      'event_count SimpleAggregateFunction(sum, UInt64)',
      "entry_url AggregateFunction(argMin, String, Tuple(DateTime64(3, 'UTC'), UUID))",
      "exit_url AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), UUID))",
      'retention_days SimpleAggregateFunction(max, UInt16)',
    ]);
    expect(await columnsOf('metric_samples')).toEqual([
      'app_id UUID',
      'name LowCardinality(String)',
      "type Enum8('counter' = 1, 'gauge' = 2, 'histogram' = 3)",
      'labels Map(LowCardinality(String), String)',
      'value Float64',
      "ts DateTime64(3, 'UTC')",
      "received_at DateTime64(3, 'UTC')",
      'bucket_bounds Array(Float64)',
      'retention_days UInt16',
    ]);
    expect(await columnsOf('metric_minutely')).toEqual([
      'app_id UUID',
      'name LowCardinality(String)',
      "type Enum8('counter' = 1, 'gauge' = 2, 'histogram' = 3)",
      'labels Map(LowCardinality(String), String)',
      'bucket_bounds Array(Float64)',
      "minute DateTime('UTC')",
      'sample_count SimpleAggregateFunction(sum, UInt64)',
      'value_sum SimpleAggregateFunction(sum, Float64)',
      'value_min SimpleAggregateFunction(min, Float64)',
      'value_max SimpleAggregateFunction(max, Float64)',
      "value_last AggregateFunction(argMax, Float64, Tuple(DateTime64(3, 'UTC'), Float64))",
      'bucket_counts AggregateFunction(sumForEach, Array(UInt64))',
      'value_quantiles AggregateFunction(quantileTDigest, Float64)',
      'retention_days SimpleAggregateFunction(max, UInt16)',
    ]);
  });

  it('has the day-grain rollups and their views, and no longer the per-session sessions table (0008)', async () => {
    const rows = await engine.ch.query<{ name: string; engine: string }>(
      `SELECT name, engine FROM system.tables
       WHERE database = {db:String} AND (name LIKE 'events_daily%' OR name LIKE 'sessions%') ORDER BY name`,
      { params: { db: TEST_DATABASE } },
    );
    expect(rows).toEqual([
      { name: 'events_daily', engine: 'AggregatingMergeTree' },
      { name: 'events_daily_dims', engine: 'AggregatingMergeTree' },
      { name: 'events_daily_dims_mv', engine: 'MaterializedView' },
      { name: 'events_daily_mv', engine: 'MaterializedView' },
      { name: 'sessions_daily', engine: 'AggregatingMergeTree' },
      { name: 'sessions_daily_mv', engine: 'MaterializedView' },
      { name: 'sessions_day_counts', engine: 'AggregatingMergeTree' },
      { name: 'sessions_day_counts_mv', engine: 'MaterializedView' },
      { name: 'sessions_day_stats', engine: 'ReplacingMergeTree' },
    ]);
    expect(await columnsOf('sessions')).toEqual([]);
    await expect(engine.ch.query('SELECT count() FROM sessions')).rejects.toMatchObject({
      type: 'UNKNOWN_TABLE',
    });
  });

  it('every table that takes batch inserts remembers tokens for retries', async () => {
    const rows = await engine.ch.query<{ name: string; has_window: number }>(
      `SELECT name, match(create_table_query, 'non_replicated_deduplication_window = [1-9]') AS has_window
       FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree' ORDER BY name`,
      { params: { db: TEST_DATABASE } },
    );
    const withoutWindow = rows.filter((row) => !row.has_window).map((row) => row.name);
    // test_marker is the test-only table created above.
    expect(withoutWindow.filter((name) => name !== 'test_marker')).toEqual([]);
  });
});
