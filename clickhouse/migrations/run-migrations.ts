// Applies pending migrations in version order and records each in schema_migrations once all
// of its statements succeeded. Verifies every applied migration's checksum first, so an edited
// migration stops the run before anything changes.
import type { Logger } from '../../runtime/logger/index.ts';
import { MigrationError } from '../../runtime/migrations/index.ts';
import { onCluster, renderForCluster } from '../cluster/index.ts';
import type { ClickHouse } from '../types.ts';
import { DEDUPLICATED_INSERT_SETTINGS } from './insert-settings.ts';
import { loadMigrations, MIGRATIONS_DIR, type Migration } from './load-migrations.ts';

export interface RunMigrationsOptions {
  logger: Logger;
  /** Receives one human-readable line per migration applied (the migrate CLI prints them). */
  log?: (line: string) => void;
  /**
   * Apply to every node of this cluster: statements are rendered with ON CLUSTER, Replicated
   * engines and Distributed tables (see clickhouse/cluster/). Unset for a single server or the
   * embedded engine.
   */
  cluster?: string;
  /** Folder of NNNN_name.sql files; defaults to the shipped migrations. */
  dir?: string;
}

export interface RunMigrationsResult {
  /** Names of the migrations this run applied, in order (empty when the schema was current). */
  applied: string[];
}

interface AppliedRow {
  version: number | string;
  name: string;
  checksum: string;
}

export const MIGRATIONS_TABLE = 'schema_migrations';

const MIGRATIONS_TABLE_COLUMNS = `(
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC')
)`;
// Concurrent runners (several services starting at once) may both apply a migration; its
// statements are idempotent, and the record insert carries a token so it is stored once.
// 1000 blocks: far more records than we will ever write, at no measurable cost.
const MIGRATIONS_TABLE_DEDUP_WINDOW = 1000;

function migrationsTableDdl(cluster: string | undefined): string {
  if (cluster === undefined) {
    return `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE}
${MIGRATIONS_TABLE_COLUMNS}
ENGINE = MergeTree
ORDER BY version
SETTINGS non_replicated_deduplication_window = ${MIGRATIONS_TABLE_DEDUP_WINDOW}`;
  }
  // No {shard} in the path: every node of every shard replicates the same record, so any node
  // the runner connects to next time sees what was applied.
  return `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} ${onCluster(cluster)}
${MIGRATIONS_TABLE_COLUMNS}
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{database}/${MIGRATIONS_TABLE}', '{replica}')
ORDER BY version
SETTINGS replicated_deduplication_window = ${MIGRATIONS_TABLE_DEDUP_WINDOW}`;
}

/** Brings the schema up to date. Re-running is a no-op; an edited applied migration throws. */
export async function runMigrations(
  ch: ClickHouse,
  options: RunMigrationsOptions,
): Promise<RunMigrationsResult> {
  const { logger, cluster } = options;
  const log = options.log ?? ((line: string) => logger.info(line));
  const migrations = await loadMigrations(options.dir ?? MIGRATIONS_DIR);

  await ch.command(migrationsTableDdl(cluster));
  const applied = await appliedMigrations(ch);
  verifyChecksums(migrations, applied);
  for (const version of applied.keys()) {
    if (!migrations.some((migration) => migration.version === version)) {
      // Older code against a newer schema: additive migrations keep that working, so warn only.
      logger.warn({ version }, 'schema has a migration this build does not know');
    }
  }

  const pending = migrations.filter((migration) => !applied.has(migration.version));
  const names: string[] = [];
  for (const migration of pending) {
    const started = performance.now();
    const statements =
      cluster === undefined
        ? migration.statements
        : renderForCluster(migration.statements, {
            cluster,
            previous: statementsBefore(migrations, migration),
          });
    for (const [index, statement] of statements.entries()) {
      try {
        await ch.command(statement);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new MigrationError(
          'migration_failed',
          `${migration.name}: statement ${index + 1} of ${statements.length} failed: ${reason}`,
          { cause: error },
        );
      }
    }
    await ch.insert(
      MIGRATIONS_TABLE,
      [{ version: migration.version, name: migration.name, checksum: migration.checksum }],
      {
        deduplicationToken: `${MIGRATIONS_TABLE}:${migration.name}:${migration.checksum}`,
        settings: DEDUPLICATED_INSERT_SETTINGS,
      },
    );
    const ms = Math.round(performance.now() - started);
    logger.info({ migration: migration.name, statements: statements.length, ms }, 'migration applied');
    log(`applied ${migration.name} (${plural(statements.length, 'statement')}, ${ms} ms)`);
    names.push(migration.name);
  }
  if (names.length === 0) log(`schema is up to date (${migrations.length} migrations applied earlier)`);
  return { applied: names };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function statementsBefore(migrations: readonly Migration[], migration: Migration): string[] {
  return migrations
    .filter((earlier) => earlier.version < migration.version)
    .flatMap((earlier) => earlier.statements);
}

async function appliedMigrations(ch: ClickHouse): Promise<Map<number, AppliedRow>> {
  const rows = await ch.query<AppliedRow>(
    `SELECT version, name, checksum FROM ${MIGRATIONS_TABLE} ORDER BY version, applied_at`,
  );
  const byVersion = new Map<number, AppliedRow>();
  for (const row of rows) {
    const version = Number(row.version);
    if (!byVersion.has(version)) byVersion.set(version, row);
  }
  return byVersion;
}

function verifyChecksums(migrations: readonly Migration[], applied: ReadonlyMap<number, AppliedRow>): void {
  for (const migration of migrations) {
    const record = applied.get(migration.version);
    if (record === undefined || record.checksum === migration.checksum) continue;
    throw new MigrationError(
      'migration_checksum_mismatch',
      `${migration.name}.sql changed after it was applied (recorded checksum ${record.checksum.slice(0, 12)}, ` +
        `file now ${migration.checksum.slice(0, 12)}). Applied migrations are immutable: restore the file ` +
        'and put the change in a new numbered migration.',
    );
  }
}
