import { notFound } from '../../runtime/errors/index.ts';
import { isoTimestamp, type Queryable } from '../../runtime/postgres/index.ts';
import { sealBrowserKey } from './browser-key-vault.ts';
import { generateKey, hmacKey, type KeyKind, maskKey, visibleParts } from './key-format.ts';
import type { KeyRecord, KeyScope } from './record.ts';
import type { ApiKey, IssuedKey } from './schemas.ts';

export interface KeyRow {
  id: string;
  app_id: string;
  name: string;
  kind: KeyKind;
  prefix: string;
  last4: string;
  key_hmac: string;
  scopes: KeyScope[];
  created_at: Date | string;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  replaced_by: string | null;
  last_used_at: Date | string | null;
  request_count: string | number;
}

const COLUMNS = `k.id, k.app_id, k.name, k.kind, k.prefix, k.last4, k.key_hmac, k.scopes, k.created_at,
  k.expires_at, k.revoked_at, k.replaced_by, k.last_used_at, k.request_count`;

const iso = (value: Date | string | null) => (value === null ? null : isoTimestamp(value));

export function toApiKey(row: KeyRow, now: number): ApiKey {
  const expires = row.expires_at === null ? null : new Date(row.expires_at).getTime();
  const status =
    row.revoked_at !== null
      ? 'revoked'
      : expires !== null && expires <= now
        ? 'expired'
        : row.replaced_by !== null
          ? 'rotating'
          : 'active';
  return {
    id: row.id,
    appId: row.app_id,
    name: row.name,
    kind: row.kind,
    scopes: row.scopes,
    display: maskKey(row.prefix, row.last4),
    prefix: row.prefix,
    last4: row.last4,
    status,
    createdAt: iso(row.created_at) as string,
    expiresAt: iso(row.expires_at),
    revokedAt: iso(row.revoked_at),
    replacedBy: row.replaced_by,
    lastUsedAt: iso(row.last_used_at),
    requestCount: Number(row.request_count),
  };
}

export const DEFAULT_SCOPES: Readonly<Record<KeyKind, KeyScope[]>> = {
  server: ['ingest', 'read'],
  browser: ['ingest'],
};

export interface IssueKeyInput {
  appId: string;
  kind: KeyKind;
  name?: string | undefined;
  scopes?: KeyScope[] | undefined;
  expiresAt?: number | null | undefined;
  createdBy: string | null;
}

/** Create a key; the returned `key` is the only copy of it anywhere. */
export async function issueKey(
  db: Queryable,
  secret: string,
  input: IssueKeyInput,
  now: number,
): Promise<{ issued: IssuedKey; row: KeyRow }> {
  const key = generateKey(input.kind);
  const { prefix, last4 } = visibleParts(key);
  // Browser keys are public: they can never read analytics, whatever was asked.
  const scopes = input.kind === 'browser' ? DEFAULT_SCOPES.browser : (input.scopes ?? DEFAULT_SCOPES.server);
  const { rows } = await db.query<KeyRow>(
    `INSERT INTO api_keys AS k (app_id, name, kind, prefix, last4, key_hmac, scopes, created_by, expires_at, created_at, key_sealed)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9 / 1000.0), to_timestamp($10 / 1000.0), $11)
     RETURNING ${COLUMNS}`,
    [
      input.appId,
      input.name ?? `${input.kind === 'server' ? 'Server' : 'Browser'} key`,
      input.kind,
      prefix,
      last4,
      hmacKey(secret, key),
      scopes,
      input.createdBy,
      input.expiresAt ?? null,
      now,
      // Browser keys are public: a sealed copy lets snippets carry them (see browser-key-vault.ts).
      input.kind === 'browser' ? sealBrowserKey(secret, key) : null,
    ],
  );
  const row = rows[0] as KeyRow;
  return { issued: { ...toApiKey(row, now), key }, row };
}

export async function listOwnedKeys(db: Queryable, ownerId: string, appId?: string): Promise<KeyRow[]> {
  const { rows } = await db.query<KeyRow>(
    `SELECT ${COLUMNS} FROM api_keys k JOIN apps a ON a.id = k.app_id
     WHERE a.owner_id = $1 AND ($2::uuid IS NULL OR k.app_id = $2)
     ORDER BY k.created_at, k.id`,
    [ownerId, appId ?? null],
  );
  return rows;
}

/** The owner's key, or 404 (another owner's key looks exactly like a missing one). */
export async function getOwnedKey(
  db: Queryable,
  ownerId: string,
  keyId: string,
  lock = false,
): Promise<KeyRow> {
  const { rows } = await db.query<KeyRow>(
    `SELECT ${COLUMNS} FROM api_keys k JOIN apps a ON a.id = k.app_id
     WHERE k.id = $1 AND a.owner_id = $2 ${lock ? 'FOR UPDATE OF k' : ''}`,
    [keyId, ownerId],
  );
  const row = rows[0];
  if (!row) throw notFound('key_not_found', 'API key not found');
  return row;
}

/** Mark `old` as replaced; it stays valid until `now + graceSeconds` (or its own earlier expiry). */
export async function retireForRotation(
  db: Queryable,
  old: KeyRow,
  replacedBy: string,
  graceSeconds: number,
  now: number,
): Promise<void> {
  const graceEnd = now + graceSeconds * 1000;
  await db.query(
    `UPDATE api_keys SET replaced_by = $2, rotated_at = to_timestamp($3 / 1000.0),
       grace_until = to_timestamp($4 / 1000.0),
       expires_at = LEAST(COALESCE(expires_at, to_timestamp($4 / 1000.0)), to_timestamp($4 / 1000.0)),
       revoked_at = CASE WHEN $5 THEN to_timestamp($3 / 1000.0) ELSE revoked_at END
     WHERE id = $1`,
    [old.id, replacedBy, now, graceEnd, graceSeconds === 0],
  );
}

export async function markRevoked(db: Queryable, keyId: string, now: number): Promise<void> {
  await db.query(
    'UPDATE api_keys SET revoked_at = COALESCE(revoked_at, to_timestamp($2 / 1000.0)) WHERE id = $1',
    [keyId, now],
  );
}

interface RecordRow {
  id: string;
  app_id: string;
  kind: KeyKind;
  scopes: KeyScope[];
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  allowed_origins: string[];
  retention_days: number;
  time_zone: string;
  respect_dnt: boolean;
}

/** Build the published record for a key by its HMAC, straight from Postgres. */
export async function loadKeyRecord(db: Queryable, keyHmac: string): Promise<KeyRecord | null> {
  const { rows } = await db.query<RecordRow>(
    `SELECT k.id, k.app_id, k.kind, k.scopes, k.expires_at, k.revoked_at,
            a.allowed_origins, a.retention_days, a.time_zone, a.respect_dnt
     FROM api_keys k JOIN apps a ON a.id = k.app_id WHERE k.key_hmac = $1`,
    [keyHmac],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    keyId: row.id,
    appId: row.app_id,
    kind: row.kind,
    scopes: row.scopes,
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at).getTime(),
    revoked: row.revoked_at !== null,
    allowedOrigins: row.allowed_origins,
    retentionDays: row.retention_days,
    timeZone: row.time_zone,
    respectDnt: row.respect_dnt,
  };
}

export async function keyHmacsOfApp(db: Queryable, appId: string): Promise<string[]> {
  const { rows } = await db.query<{ key_hmac: string }>('SELECT key_hmac FROM api_keys WHERE app_id = $1', [
    appId,
  ]);
  return rows.map((row) => row.key_hmac);
}
