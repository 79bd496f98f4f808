import { badRequest, notFound } from '../../runtime/errors/index.ts';
import { isoTimestamp, type Queryable } from '../../runtime/postgres/index.ts';
import { keyHmacsOfApp } from '../keys/repository.ts';
import type { App, AppCreate, AppUpdate } from './schemas.ts';

interface AppRow {
  id: string;
  name: string;
  allowed_origins: string[];
  retention_days: number;
  time_zone: string;
  respect_dnt: boolean;
  created_at: Date | string;
  updated_at: Date | string;
}

const COLUMNS = 'id, name, allowed_origins, retention_days, time_zone, respect_dnt, created_at, updated_at';

export function toApp(row: AppRow): App {
  return {
    id: row.id,
    name: row.name,
    allowedOrigins: row.allowed_origins,
    retentionDays: row.retention_days,
    timeZone: row.time_zone,
    respectDnt: row.respect_dnt,
    createdAt: isoTimestamp(row.created_at),
    updatedAt: isoTimestamp(row.updated_at),
  };
}

export function checkTimeZone(timeZone: string | undefined): void {
  if (timeZone === undefined) return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw badRequest('validation_failed', 'Invalid body', [
      { field: 'body.timeZone', message: 'is not a known IANA time zone' },
    ]);
  }
}

export async function insertApp(db: Queryable, ownerId: string, input: AppCreate): Promise<App> {
  checkTimeZone(input.timeZone);
  const { rows } = await db.query<AppRow>(
    `INSERT INTO apps (owner_id, name, allowed_origins, retention_days, time_zone, respect_dnt)
     VALUES ($1, $2, $3, COALESCE($4, 365), COALESCE($5, 'UTC'), COALESCE($6, false))
     RETURNING ${COLUMNS}`,
    [
      ownerId,
      input.name,
      input.allowedOrigins ?? [],
      input.retentionDays ?? null,
      input.timeZone ?? null,
      input.respectDnt ?? null,
    ],
  );
  return toApp(rows[0] as AppRow);
}

export async function listApps(db: Queryable, ownerId: string): Promise<App[]> {
  const { rows } = await db.query<AppRow>(
    `SELECT ${COLUMNS} FROM apps WHERE owner_id = $1 ORDER BY created_at, id`,
    [ownerId],
  );
  return rows.map(toApp);
}

/**
 * The owner's app, or 404: another owner's app is indistinguishable from a missing one. With
 * lock, the row stays locked until the transaction ends (serializes per-app limits).
 */
export async function getOwnedApp(db: Queryable, ownerId: string, appId: string, lock = false): Promise<App> {
  const { rows } = await db.query<AppRow>(
    `SELECT ${COLUMNS} FROM apps WHERE id = $1 AND owner_id = $2${lock ? ' FOR UPDATE' : ''}`,
    [appId, ownerId],
  );
  const row = rows[0];
  if (!row) throw notFound('app_not_found', 'App not found');
  return toApp(row);
}

export async function updateApp(
  db: Queryable,
  ownerId: string,
  appId: string,
  patch: AppUpdate,
): Promise<App> {
  checkTimeZone(patch.timeZone);
  const { rows } = await db.query<AppRow>(
    `UPDATE apps SET
       name = COALESCE($3, name),
       allowed_origins = COALESCE($4, allowed_origins),
       retention_days = COALESCE($5, retention_days),
       time_zone = COALESCE($6, time_zone),
       respect_dnt = COALESCE($7, respect_dnt),
       updated_at = now()
     WHERE id = $1 AND owner_id = $2
     RETURNING ${COLUMNS}`,
    [
      appId,
      ownerId,
      patch.name ?? null,
      patch.allowedOrigins ?? null,
      patch.retentionDays ?? null,
      patch.timeZone ?? null,
      patch.respectDnt ?? null,
    ],
  );
  const row = rows[0];
  if (!row) throw notFound('app_not_found', 'App not found');
  return toApp(row);
}

/** Delete the app; returns the HMACs of its keys so the caller can unpublish them. */
export async function deleteApp(db: Queryable, ownerId: string, appId: string): Promise<string[]> {
  // Read before the cascade removes them; returned only once the owner-scoped delete succeeded.
  const keyHmacs = await keyHmacsOfApp(db, appId);
  const { rowCount } = await db.query('DELETE FROM apps WHERE id = $1 AND owner_id = $2', [appId, ownerId]);
  if (rowCount === 0) throw notFound('app_not_found', 'App not found');
  return keyHmacs;
}
