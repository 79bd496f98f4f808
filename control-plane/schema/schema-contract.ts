// The control-plane schema's promises, as one suite run on PGlite (schema.test.ts) and on a real
// Postgres (schema.integration.test.ts): migrations apply once, re-runs change nothing, edited
// migrations are refused, and the constraints other features rely on hold.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger/index.ts';
import { type Postgres, PostgresError, SqlState } from '../../runtime/postgres/index.ts';
import { uniqueId } from '../../runtime/testing/services.ts';
import {
  loadMigrations,
  MIGRATIONS_DIR,
  MigrationError,
  migratePostgres,
  UniqueConstraint,
} from './index.ts';

export interface SchemaDatabase {
  /** A client on an empty database that belongs to this suite alone. */
  pg: Postgres;
  /** Another client on the same database, as a second process would have. */
  other: Postgres;
  /** Close both clients and drop what the suite created. */
  dispose(): Promise<void>;
}

const TABLES = ['users', 'identities', 'apps', 'api_keys', 'metric_configs', 'sessions', 'audit_log'];
const HMAC = () =>
  Array.from({ length: 64 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');

async function rejection(promise: Promise<unknown>): Promise<PostgresError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(PostgresError);
  return error as PostgresError;
}

export function schemaContract(openDatabase: () => Promise<SchemaDatabase>): void {
  let db: SchemaDatabase;
  let pg: Postgres;
  const options = { logger: silentLogger() };

  beforeAll(async () => {
    db = await openDatabase();
    pg = db.pg;
  });
  afterAll(async () => {
    await db?.dispose();
  });

  const createUser = async (email = `${uniqueId('u')}@example.test`): Promise<string> => {
    const { rows } = await pg.query<{ id: string }>(
      'INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id',
      [email, 'Owner'],
    );
    return rows[0]?.id as string;
  };
  const createApp = async (ownerId: string): Promise<string> => {
    const { rows } = await pg.query<{ id: string }>(
      'INSERT INTO apps (owner_id, name) VALUES ($1, $2) RETURNING id',
      [ownerId, 'App'],
    );
    return rows[0]?.id as string;
  };
  const insertKey = (appId: string, kind: string, scopes: string[], keyHmac = HMAC()) =>
    pg.query<{ id: string }>(
      `INSERT INTO api_keys (app_id, name, kind, prefix, last4, key_hmac, scopes)
       VALUES ($1, 'k', $2, 'cs_sk_AbCd', 'wxyz', $3, $4) RETURNING id`,
      [appId, kind, keyHmac, scopes],
    );

  it('applies every migration exactly once when two processes start at once on an empty database', async () => {
    const lines: string[] = [];
    const [first, second] = await Promise.all([
      migratePostgres(db.pg, { ...options, log: (line) => lines.push(line) }),
      migratePostgres(db.other, options),
    ]);
    const names = (await loadMigrations()).map((migration) => migration.name);
    expect([...first.applied, ...second.applied].sort()).toEqual(names);
    expect(names[0]).toBe('0001_initial');

    const recorded = await pg.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    expect(recorded.rows.map((row) => row.name)).toEqual(names);
    expect(recorded.rows[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    for (const table of TABLES) {
      const { rows } = await pg.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [
        table,
      ]);
      expect(rows[0]?.found, table).toBe(table);
    }
    // The runner says what it applied, one line per migration.
    const appliedLines = lines.filter((line) => /^applied \d{4}_\w+ \(\d+ ms\)$/.test(line));
    expect(appliedLines).toHaveLength(first.applied.length);
  });

  it('changes nothing when run again', async () => {
    const before = await pg.query(
      'SELECT version, checksum, applied_at FROM schema_migrations ORDER BY version',
    );
    const lines: string[] = [];
    const result = await migratePostgres(pg, { ...options, log: (line) => lines.push(line) });
    expect(result.applied).toEqual([]);
    expect(lines.join('\n')).toMatch(/up to date/);
    const after = await pg.query(
      'SELECT version, checksum, applied_at FROM schema_migrations ORDER BY version',
    );
    expect(after.rows).toEqual(before.rows);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const { rows } = await pg.query<{ checksum: string }>(
      'SELECT checksum FROM schema_migrations WHERE version = 1',
    );
    await pg.query("UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE version = 1");
    try {
      const error = await migratePostgres(pg, options).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(MigrationError);
      expect(error).toMatchObject({ code: 'migration_checksum_mismatch' });
      expect((error as Error).message).toMatch(/0001_initial\.sql changed after it was applied/);
    } finally {
      await pg.query('UPDATE schema_migrations SET checksum = $1 WHERE version = 1', [rows[0]?.checksum]);
    }
  });

  it('rolls back a failing migration completely and does not record it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'clickstream-schema-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      const table = uniqueId('half_done');
      await writeFile(
        path.join(dir, '9999_broken.sql'),
        `CREATE TABLE ${table} (id int);\nINSERT INTO ${table} VALUES (1);\nSELECT 1 / 0;\n`,
      );
      const error = await migratePostgres(pg, { ...options, dir }).catch((err: unknown) => err);
      expect(error).toMatchObject({ name: 'MigrationError', code: 'migration_failed' });
      expect((error as Error).message).toMatch(/^9999_broken: .*division by zero/);
      const { rows } = await pg.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [
        table,
      ]);
      expect(rows[0]?.found).toBeNull();
      const recorded = await pg.query('SELECT 1 FROM schema_migrations WHERE version = 9999');
      expect(recorded.rowCount).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps owner emails unique ignoring case', async () => {
    const local = uniqueId('Case');
    await createUser(`${local}@Example.test`);
    const error = await rejection(createUser(`${local.toLowerCase()}@example.TEST`));
    expect(error).toMatchObject({ code: SqlState.uniqueViolation, constraint: UniqueConstraint.userEmail });
    await expect(rejection(createUser('not-an-email'))).resolves.toMatchObject({
      code: SqlState.checkViolation,
    });
  });

  it('fills the documented defaults', async () => {
    const appId = await createApp(await createUser());
    const app = await pg.query(
      'SELECT allowed_origins, retention_days, time_zone, respect_dnt FROM apps WHERE id = $1',
      [appId],
    );
    expect(app.rows[0]).toEqual({
      allowed_origins: [],
      retention_days: 365,
      time_zone: 'UTC',
      respect_dnt: false,
    });
    const key = await insertKey(appId, 'server', ['ingest', 'read']);
    const stored = await pg.query(
      'SELECT request_count, revoked_at, expires_at FROM api_keys WHERE id = $1',
      [key.rows[0]?.id],
    );
    expect(stored.rows[0]).toEqual({ request_count: '0', revoked_at: null, expires_at: null });
  });

  it('rejects bad key kinds, raw keys, readable browser keys, duplicate HMACs and out-of-range retention', async () => {
    const appId = await createApp(await createUser());
    await expect(rejection(insertKey(appId, 'admin', ['ingest']))).resolves.toMatchObject({
      code: SqlState.checkViolation,
      constraint: 'api_keys_kind_check',
    });
    const rawKey = 'cs_sk_0123456789abcdefghijklmnopqrstABCDEF';
    await expect(rejection(insertKey(appId, 'server', ['ingest'], rawKey))).resolves.toMatchObject({
      code: SqlState.checkViolation,
      constraint: 'api_keys_key_hmac_format',
    });
    await expect(rejection(insertKey(appId, 'browser', ['ingest', 'read']))).resolves.toMatchObject({
      constraint: 'api_keys_browser_ingest_only',
    });
    const hmac = HMAC();
    await insertKey(appId, 'browser', ['ingest'], hmac);
    await expect(rejection(insertKey(appId, 'server', ['ingest'], hmac))).resolves.toMatchObject({
      code: SqlState.uniqueViolation,
      constraint: UniqueConstraint.apiKeyHmac,
    });
    await expect(
      rejection(pg.query('UPDATE apps SET retention_days = 0 WHERE id = $1', [appId])),
    ).resolves.toMatchObject({ code: SqlState.checkViolation, constraint: 'apps_retention_days_range' });
    await expect(
      rejection(pg.query('UPDATE apps SET retention_days = 3651 WHERE id = $1', [appId])),
    ).resolves.toMatchObject({ constraint: 'apps_retention_days_range' });
  });

  it('keeps metric names unique per app and types to counter, gauge or histogram', async () => {
    const appId = await createApp(await createUser());
    const insertMetric = (name: string, type: string, buckets: number[] | null = null) =>
      pg.query('INSERT INTO metric_configs (app_id, name, type, buckets) VALUES ($1, $2, $3, $4)', [
        appId,
        name,
        type,
        buckets,
      ]);
    await insertMetric('checkout_seconds', 'histogram', [0.1, 0.5, 1]);
    await expect(rejection(insertMetric('checkout_seconds', 'counter'))).resolves.toMatchObject({
      code: SqlState.uniqueViolation,
      constraint: UniqueConstraint.metricConfigName,
    });
    await expect(rejection(insertMetric('queue_depth', 'summary'))).resolves.toMatchObject({
      constraint: 'metric_configs_type_check',
    });
    await expect(rejection(insertMetric('orders_total', 'counter', [1, 2]))).resolves.toMatchObject({
      constraint: 'metric_configs_buckets_histogram_only',
    });
    // Another app may reuse the name.
    const otherApp = await createApp(await createUser());
    await pg.query(
      "INSERT INTO metric_configs (app_id, name, type) VALUES ($1, 'checkout_seconds', 'counter')",
      [otherApp],
    );
  });

  it('deletes everything an owner has when the owner is deleted, but keeps the audit trail', async () => {
    const userId = await createUser();
    const appId = await createApp(userId);
    const key = await insertKey(appId, 'server', ['ingest']);
    await pg.query("INSERT INTO metric_configs (app_id, name, type) VALUES ($1, 'm', 'gauge')", [appId]);
    await pg.query("INSERT INTO identities (user_id, provider, subject) VALUES ($1, 'google', $2)", [
      userId,
      uniqueId('sub'),
    ]);
    await pg.query(
      "INSERT INTO sessions (user_id, refresh_hash, expires_at) VALUES ($1, $2, now() + interval '1 day')",
      [userId, HMAC()],
    );
    await pg.query(
      `INSERT INTO audit_log (actor_id, action, target_type, target_id, app_id, details)
       VALUES ($1, 'key.create', 'api_key', $2, $3, $4)`,
      [userId, key.rows[0]?.id, appId, JSON.stringify({ kind: 'server' })],
    );

    await pg.query('DELETE FROM users WHERE id = $1', [userId]);

    const left = await pg.query<Record<string, string>>(
      `SELECT (SELECT count(*) FROM apps WHERE owner_id = $1) AS apps,
              (SELECT count(*) FROM api_keys WHERE app_id = $2) AS keys,
              (SELECT count(*) FROM metric_configs WHERE app_id = $2) AS metrics,
              (SELECT count(*) FROM identities WHERE user_id = $1) AS identities,
              (SELECT count(*) FROM sessions WHERE user_id = $1) AS sessions,
              (SELECT count(*) FROM audit_log WHERE actor_id = $1) AS audit`,
      [userId, appId],
    );
    expect(left.rows[0]).toEqual({
      apps: '0',
      keys: '0',
      metrics: '0',
      identities: '0',
      sessions: '0',
      audit: '1',
    });
  });

  it('refreshes updated_at when a caller forgets it and keeps it when a caller sets it', async () => {
    const appId = await createApp(await createUser());
    const past = '2020-01-01T00:00:00.000Z';
    await pg.query('UPDATE apps SET created_at = $2, updated_at = $2 WHERE id = $1', [appId, past]);
    await pg.query("UPDATE apps SET name = 'renamed' WHERE id = $1", [appId]);
    const touched = await pg.query<{ updated_at: Date }>('SELECT updated_at FROM apps WHERE id = $1', [
      appId,
    ]);
    expect(touched.rows[0]?.updated_at.getTime()).toBeGreaterThan(Date.parse(past));
    const explicit = '2021-06-01T12:00:00.000Z';
    await pg.query("UPDATE apps SET name = 'again', updated_at = $2 WHERE id = $1", [appId, explicit]);
    const kept = await pg.query<{ updated_at: Date }>('SELECT updated_at FROM apps WHERE id = $1', [appId]);
    expect(kept.rows[0]?.updated_at.toISOString()).toBe(explicit);
  });
}
