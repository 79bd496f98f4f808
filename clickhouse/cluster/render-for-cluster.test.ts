// The cluster rendering of our real migrations: every statement must parse with ClickHouse's own
// parser, carry ON CLUSTER, use Replicated engines for data and put a Distributed table with a
// working sharding key in front of each local table; views must read and write local tables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, type Migration } from '../migrations/index.ts';
import { type MigratedEngine, openMigratedEngine } from '../schema/fixtures.ts';
import { ClusterRenderError, DEFAULT_SHARDING_KEYS, renderForCluster } from './index.ts';

const CLUSTER = 'analytics_cluster';
const ON_CLUSTER = `ON CLUSTER \`${CLUSTER}\``;
const REPLICATED_ARGS = "('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')";

let engine: MigratedEngine;
let migrations: Migration[];
let rendered: string[];

beforeAll(async () => {
  // Migrated, so sharding keys can be checked against the real columns.
  engine = await openMigratedEngine('cluster');
  migrations = await loadMigrations();
  rendered = renderForCluster(
    migrations.flatMap((migration) => migration.statements),
    { cluster: CLUSTER },
  );
});

afterAll(async () => {
  await engine?.dispose();
});

async function formatted(sql: string): Promise<string> {
  const [row] = await engine.ch.query<{ formatted: string }>(
    'SELECT formatQuery({sql:String}) AS formatted',
    {
      params: { sql },
    },
  );
  return row?.formatted ?? '';
}

const TABLES: Readonly<Record<string, string>> = {
  events: 'MergeTree',
  events_quarantine: 'MergeTree',
  events_hourly: 'AggregatingMergeTree',
  events_daily_dims: 'AggregatingMergeTree',
  sessions: 'AggregatingMergeTree',
  events_daily: 'AggregatingMergeTree',
  sessions_daily: 'AggregatingMergeTree',
  sessions_day_counts: 'AggregatingMergeTree',
  // Its version column follows the replication arguments.
  sessions_day_stats: 'ReplacingMergeTree',
  metric_samples: 'MergeTree',
  metric_minutely: 'AggregatingMergeTree',
};

/** Engine arguments of the single-node table, kept after the replication arguments. */
const ENGINE_ARGS: Readonly<Record<string, string>> = { sessions_day_stats: 'computed_at' };

const VIEWS: Readonly<Record<string, { source: string; target: string }>> = {
  events_hourly_mv: { source: 'events', target: 'events_hourly' },
  events_daily_dims_mv: { source: 'events', target: 'events_daily_dims' },
  sessions_mv: { source: 'events', target: 'sessions' },
  events_daily_mv: { source: 'events', target: 'events_daily' },
  sessions_daily_mv: { source: 'events', target: 'sessions_daily' },
  // A view on a rollup: inserts into sessions_daily_local (from the view above) feed it.
  sessions_day_counts_mv: { source: 'sessions_daily', target: 'sessions_day_counts' },
  metric_minutely_mv: { source: 'metric_samples', target: 'metric_minutely' },
};

describe('renderForCluster on the shipped migrations', () => {
  it('produces statements ClickHouse parses, each with ON CLUSTER except the one-off backfills', async () => {
    const backfills = rendered.filter((statement) => statement.startsWith('INSERT INTO '));
    // 0008 rebuilds three rollups from the raw events, 0010 fills one from sessions_daily, all
    // through the Distributed tables.
    expect(backfills.map((statement) => statement.split(/\s+/)[2])).toEqual([
      'events_daily',
      'events_daily_dims',
      'sessions_daily',
      'sessions_day_counts',
    ]);
    for (const statement of backfills) {
      expect(statement).toMatch(/\bFROM (events|sessions_daily)\b(?!_local)/);
      expect(await formatted(statement)).toMatch(/^INSERT INTO /);
    }
    for (const statement of rendered.filter((sql) => !backfills.includes(sql))) {
      expect(statement).toContain(ON_CLUSTER);
      // The formatter drops the backquotes it does not need.
      expect(await formatted(statement)).toContain(`ON CLUSTER ${CLUSTER}`);
    }
  });

  it('renders each migration alone exactly as the whole set (as the runner applies them)', () => {
    const oneByOne = migrations.flatMap((migration, index) =>
      renderForCluster(migration.statements, {
        cluster: CLUSTER,
        previous: migrations.slice(0, index).flatMap((earlier) => earlier.statements),
      }),
    );
    expect(oneByOne).toEqual(rendered);
  });

  it('creates a replicated local table and a Distributed table for every table', async () => {
    for (const [table, engineName] of Object.entries(TABLES)) {
      const local = rendered.find((sql) =>
        sql.startsWith(`CREATE TABLE IF NOT EXISTS ${table}_local ${ON_CLUSTER}`),
      );
      expect(local, table).toBeDefined();
      const engineArgs = ENGINE_ARGS[table]
        ? REPLICATED_ARGS.replace(/\)$/, `, ${ENGINE_ARGS[table]})`)
        : REPLICATED_ARGS;
      expect(await formatted(local ?? '')).toContain(`ENGINE = Replicated${engineName}${engineArgs}`);
      expect(local).toContain('replicated_deduplication_window = 10000');
      expect(local).not.toContain('non_replicated_deduplication_window');

      const distributed = rendered.find((sql) =>
        sql.startsWith(`CREATE TABLE IF NOT EXISTS ${table} ${ON_CLUSTER}`),
      );
      const key = DEFAULT_SHARDING_KEYS[table];
      const args = [`'${CLUSTER}'`, 'currentDatabase()', `${table}_local`, ...(key ? [key] : [])].join(', ');
      expect(distributed, table).toBe(
        `CREATE TABLE IF NOT EXISTS ${table} ${ON_CLUSTER} AS ${table}_local\nENGINE = Distributed(${args})`,
      );
    }
    // The data must never land in a non-replicated engine on a cluster.
    for (const statement of rendered) {
      const engines = [...statement.matchAll(/ENGINE\s*=\s*(\w+)/g)].map((match) => match[1]);
      for (const name of engines) expect(name).toMatch(/^(Replicated\w*MergeTree|Distributed)$/);
    }
  });

  it('shards every raw table and every backfilled rollup by a deterministic integer key over its real columns', async () => {
    expect(Object.keys(DEFAULT_SHARDING_KEYS).sort()).toEqual([
      'events',
      'events_daily',
      'events_daily_dims',
      'events_quarantine',
      'metric_samples',
      'sessions_daily',
      'sessions_day_counts',
      'sessions_day_stats',
    ]);
    for (const [table, key] of Object.entries(DEFAULT_SHARDING_KEYS)) {
      // DESCRIBE types the expression against the real columns without needing rows.
      const [described] = await engine.ch.query<{ name: string; type: string }>(
        `DESCRIBE (SELECT ${key} AS shard_key FROM ${table})`,
      );
      expect(described, table).toMatchObject({ name: 'shard_key', type: 'UInt64' });
    }
  });

  it('attaches every view to the local tables', () => {
    for (const [view, { source, target }] of Object.entries(VIEWS)) {
      const statement = rendered.find((sql) =>
        sql.startsWith(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${view} `),
      );
      expect(statement, view).toBeDefined();
      expect(statement).toContain(`${view} ${ON_CLUSTER} TO ${target}_local AS`);
      expect(statement).toMatch(new RegExp(`\\bFROM ${source}_local\\b`));
      expect(statement).not.toMatch(new RegExp(`\\bFROM ${source}\\b(?!_local)`));
    }
  });
});

describe('renderForCluster on later migrations', () => {
  const previous = [
    'CREATE TABLE IF NOT EXISTS events\n(\n    app_id UUID\n)\nENGINE = MergeTree\nORDER BY app_id',
  ];

  it('alters both the local and the Distributed table for a column change', async () => {
    const statements = renderForCluster(
      ["ALTER TABLE events ADD COLUMN IF NOT EXISTS campaign_id String DEFAULT ''"],
      {
        cluster: CLUSTER,
        previous,
      },
    );
    expect(statements).toEqual([
      `ALTER TABLE events_local ${ON_CLUSTER} ADD COLUMN IF NOT EXISTS campaign_id String DEFAULT ''`,
      `ALTER TABLE events ${ON_CLUSTER} ADD COLUMN IF NOT EXISTS campaign_id String DEFAULT ''`,
    ]);
    for (const statement of statements) await formatted(statement);
  });

  it('alters only the local table for storage changes, and keeps a view named as it is', () => {
    expect(
      renderForCluster(['ALTER TABLE events MODIFY SETTING non_replicated_deduplication_window = 20000'], {
        cluster: CLUSTER,
        previous,
      }),
    ).toEqual([
      `ALTER TABLE events_local ${ON_CLUSTER} MODIFY SETTING replicated_deduplication_window = 20000`,
    ]);
    expect(
      renderForCluster(['ALTER TABLE events_hourly_mv MODIFY QUERY SELECT app_id FROM events'], {
        cluster: CLUSTER,
        previous,
      }),
    ).toEqual([`ALTER TABLE events_hourly_mv ${ON_CLUSTER} MODIFY QUERY SELECT app_id FROM events_local`]);
  });

  it('drops the Distributed table before the local one', () => {
    expect(renderForCluster(['DROP TABLE IF EXISTS events'], { cluster: CLUSTER, previous })).toEqual([
      `DROP TABLE IF EXISTS events ${ON_CLUSTER}`,
      `DROP TABLE IF EXISTS events_local ${ON_CLUSTER}`,
    ]);
  });

  it('passes a backfill through the Distributed tables only when its target has a sharding key', () => {
    const rollup =
      'CREATE TABLE IF NOT EXISTS events_daily\n(\n    app_id UUID\n)\nENGINE = AggregatingMergeTree\nORDER BY app_id';
    const backfill = 'INSERT INTO events_daily SELECT app_id FROM events';
    expect(renderForCluster([backfill], { cluster: CLUSTER, previous: [...previous, rollup] })).toEqual([
      backfill,
    ]);
    expect(() =>
      renderForCluster([backfill], { cluster: CLUSTER, previous: [...previous, rollup], shardingKeys: {} }),
    ).toThrow(/needs a sharding key/);
  });

  it('refuses statements and names it cannot render faithfully', () => {
    expect(() =>
      renderForCluster(['INSERT INTO events SELECT * FROM numbers(1)'], { cluster: CLUSTER }),
    ).toThrow(ClusterRenderError);
    expect(() =>
      renderForCluster(['CREATE TABLE t (x UInt8) ENGINE = Memory'], { cluster: CLUSTER }),
    ).toThrow(/only MergeTree-family tables/);
    expect(() => renderForCluster(previous, { cluster: 'c`; DROP' })).toThrow(/cluster name/);
  });
});
