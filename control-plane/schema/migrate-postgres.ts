// Applies pending control-plane migrations in version order, each in its own transaction together
// with its schema_migrations record, so a migration is either fully applied and recorded or not
// at all. Applied checksums are verified first: an edited migration stops the run before any change.
import type { Logger } from '../../runtime/logger/index.ts';
import { MigrationError } from '../../runtime/migrations/index.ts';
import type { Postgres, Queryable } from '../../runtime/postgres/index.ts';
import { loadMigrations, MIGRATIONS_DIR, type Migration } from './load-migrations.ts';

export interface MigratePostgresOptions {
  logger: Logger;
  /** Receives one human-readable line per migration applied (the migrate CLI prints them). */
  log?: (line: string) => void;
  /** Folder of NNNN_name.sql files; defaults to the shipped migrations. */
  dir?: string;
}

export interface MigratePostgresResult {
  /** Names of the migrations this run applied, in order (empty when the schema was current). */
  applied: string[];
}

export const MIGRATIONS_TABLE = 'schema_migrations';

/**
 * Transaction-scoped advisory lock held while reading and applying migrations, so processes
 * starting together apply each migration once (the others wait, then see it recorded). The value
 * is arbitrary; it only has to be the same in every process and unused by anything else.
 */
export const MIGRATION_LOCK_KEY = 727_361_901;

/**
 * Replaces the request-sized statement timeout inside migration transactions: an index build, or
 * waiting for another process to finish migrating, may take minutes; an hour means something hangs.
 */
export const MIGRATION_STATEMENT_TIMEOUT = '1h';

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

/** Brings the schema up to date. Re-running is a no-op; an edited applied migration throws. */
export async function migratePostgres(
  pg: Postgres,
  options: MigratePostgresOptions,
): Promise<MigratePostgresResult> {
  const { logger } = options;
  const log = options.log ?? ((line: string) => logger.info(line));
  const migrations = await loadMigrations(options.dir ?? MIGRATIONS_DIR);

  const applied = await pg.transaction(async (tx) => {
    await lockMigrations(tx);
    await tx.exec(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    return appliedMigrations(tx);
  });
  for (const migration of migrations) verifyChecksum(migration, applied.get(migration.version));
  warnUnknown(logger, migrations, applied);

  const names: string[] = [];
  for (const migration of migrations.filter((candidate) => !applied.has(candidate.version))) {
    const started = performance.now();
    if (!(await applyOnce(pg, migration))) continue;
    const ms = Math.round(performance.now() - started);
    logger.info({ migration: migration.name, ms }, 'postgres migration applied');
    log(`applied ${migration.name} (${ms} ms)`);
    names.push(migration.name);
  }
  if (names.length === 0)
    log(`postgres schema is up to date (${migrations.length} migrations applied earlier)`);
  return { applied: names };
}

/** Applies one migration unless another process did while we waited for the lock; true if applied. */
async function applyOnce(pg: Postgres, migration: Migration): Promise<boolean> {
  try {
    return await pg.transaction(async (tx) => {
      await lockMigrations(tx);
      const current = await appliedMigrations(tx);
      const record = current.get(migration.version);
      if (record) {
        verifyChecksum(migration, record);
        return false;
      }
      await tx.exec(migration.sql);
      await tx.query(`INSERT INTO ${MIGRATIONS_TABLE} (version, name, checksum) VALUES ($1, $2, $3)`, [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      return true;
    });
  } catch (error) {
    if (error instanceof MigrationError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError('migration_failed', `${migration.name}: ${reason}`, { cause: error });
  }
}

async function lockMigrations(tx: Queryable): Promise<void> {
  await tx.query(`SELECT set_config('statement_timeout', $1, true)`, [MIGRATION_STATEMENT_TIMEOUT]);
  await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
}

async function appliedMigrations(tx: Queryable): Promise<Map<number, AppliedRow>> {
  const { rows } = await tx.query<AppliedRow>(`SELECT version, name, checksum FROM ${MIGRATIONS_TABLE}`);
  return new Map(rows.map((row) => [row.version, row]));
}

function verifyChecksum(migration: Migration, record: AppliedRow | undefined): void {
  if (record === undefined || record.checksum === migration.checksum) return;
  throw new MigrationError(
    'migration_checksum_mismatch',
    `${migration.name}.sql changed after it was applied (recorded checksum ${record.checksum.slice(0, 12)}, ` +
      `file now ${migration.checksum.slice(0, 12)}). Applied migrations are immutable: restore the file ` +
      'and put the change in a new numbered migration.',
  );
}

function warnUnknown(
  logger: Logger,
  migrations: readonly Migration[],
  applied: ReadonlyMap<number, AppliedRow>,
): void {
  for (const [version, record] of applied) {
    if (migrations.some((migration) => migration.version === version)) continue;
    // Older code against a newer schema (a rollback during a deploy): additive migrations keep that working.
    logger.warn({ version, name: record.name }, 'postgres schema has a migration this build does not know');
  }
}
