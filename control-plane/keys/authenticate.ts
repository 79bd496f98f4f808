import type { Postgres } from '../../runtime/postgres/index.ts';
import type { Redis } from '../../runtime/redis/index.ts';
import { hmacKey, type KeyRejection, parseKey } from './key-format.ts';
import { lookupKeyRecord } from './publication.ts';
import { judgeKey, type KeyScope, type KeyVerdict } from './record.ts';

export type AuthenticateResult = KeyVerdict | { ok: false; code: KeyRejection };

/**
 * Check a presented key end to end: syntax and checksum first (no store is touched for a typo
 * or an invented key), then the HMAC lookup (Redis, then Postgres), then the record's verdict.
 */
export async function authenticateKey(
  deps: { redis: Redis; postgres: Postgres; apiKeySecret: string; now: () => number },
  raw: string | undefined,
  need: { scope: KeyScope; origin?: string | undefined },
): Promise<AuthenticateResult> {
  const parsed = parseKey(raw);
  if (!parsed.ok) return parsed;
  const record = await lookupKeyRecord(deps, hmacKey(deps.apiKeySecret, parsed.value.key));
  return judgeKey(record, deps.now(), need);
}
