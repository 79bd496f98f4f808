// The control plane's Postgres schema: numbered SQL migrations and the runner that applies them.
// Table and constraint names here are the contract the rest of the control plane codes against;
// this folder must never hold queries for features, and released migrations are never edited.

export { MigrationError, type MigrationErrorCode } from '../../runtime/migrations/index.ts';
export { loadMigrations, MIGRATIONS_DIR, type Migration } from './load-migrations.ts';
export {
  MIGRATION_LOCK_KEY,
  MIGRATIONS_TABLE,
  type MigratePostgresOptions,
  type MigratePostgresResult,
  migratePostgres,
} from './migrate-postgres.ts';

/** Unique constraints (PostgresError.constraint on SQLSTATE 23505) that callers turn into 409s. */
export const UniqueConstraint = {
  /** users: email, compared case-insensitively. */
  userEmail: 'users_email_lower_key',
  identityProviderSubject: 'identities_provider_subject_key',
  apiKeyHmac: 'api_keys_key_hmac_key',
  /** metric_configs: (app_id, name). */
  metricConfigName: 'metric_configs_app_id_name_key',
  sessionRefreshHash: 'sessions_refresh_hash_key',
} as const;
