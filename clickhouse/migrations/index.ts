// ClickHouse schema migrations: numbered .sql files in ./sql, applied once each in order and
// recorded (version, name, checksum, applied_at) in schema_migrations. This folder must never
// edit an applied migration or apply anything not in ./sql: schema changes are new files.
//
// Rules for migration files (the splitter and the cluster renderer rely on them):
//   - Named NNNN_snake_case.sql; the number orders them and never repeats.
//   - A statement ends with ';' as the last character of a line. ';' appears nowhere else in
//     code: not inside strings, not in a trailing comment. Whole-line '--' comments are free
//     text and are not sent, so editing them does not change the checksum.
//   - Table names are unqualified: statements run in the configured database.
//   - Every statement is idempotent (IF NOT EXISTS / IF EXISTS). ClickHouse DDL is not
//     transactional, so a migration that failed halfway re-runs from its first statement.
//   - Tables use plain MergeTree-family engines; views are `CREATE MATERIALIZED VIEW ... TO`.
//     The cluster renderer derives Replicated engines, _local tables and Distributed tables.

export { MigrationError, type MigrationErrorCode } from '../../runtime/migrations/index.ts';
export { DEDUPLICATED_INSERT_SETTINGS } from './insert-settings.ts';
export { loadMigrations, MIGRATIONS_DIR, type Migration } from './load-migrations.ts';
export {
  MIGRATIONS_TABLE,
  type RunMigrationsOptions,
  type RunMigrationsResult,
  runMigrations,
} from './run-migrations.ts';
export { StatementSplitError, splitStatements } from './split-statements.ts';
