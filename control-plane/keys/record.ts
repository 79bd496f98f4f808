// The key record the ingest edge and query API act on: everything needed to accept or refuse a
// request, keyed by the key's HMAC. Published to Redis on every change; rebuilt from Postgres
// when Redis misses. Never contains the key itself.
import type { KeyKind } from './key-format.ts';

export type KeyScope = 'ingest' | 'read';

export interface KeyRecord {
  keyId: string;
  appId: string;
  kind: KeyKind;
  scopes: KeyScope[];
  /** Epoch ms; null = never expires. A regenerated key's grace end is its expiry. */
  expiresAt: number | null;
  revoked: boolean;
  allowedOrigins: string[];
  retentionDays: number;
  timeZone: string;
  respectDnt: boolean;
}

export type KeyVerdict =
  | { ok: true; record: KeyRecord }
  | { ok: false; code: 'key_unknown' | 'key_revoked' | 'key_expired' | 'key_scope' | 'origin_not_allowed' };

/** Decide whether a record admits a request; pure, so the edge and the query API agree. */
export function judgeKey(
  record: KeyRecord | null,
  now: number,
  need: { scope: KeyScope; origin?: string | undefined },
): KeyVerdict {
  if (!record) return { ok: false, code: 'key_unknown' };
  if (record.revoked) return { ok: false, code: 'key_revoked' };
  if (record.expiresAt !== null && record.expiresAt <= now) return { ok: false, code: 'key_expired' };
  if (!record.scopes.includes(need.scope)) return { ok: false, code: 'key_scope' };
  if (
    record.kind === 'browser' &&
    need.origin !== undefined &&
    !record.allowedOrigins.includes(need.origin)
  ) {
    return { ok: false, code: 'origin_not_allowed' };
  }
  return { ok: true, record };
}
