import { createHash } from 'node:crypto';
import { serviceUnavailable, tooManyRequests } from '../../runtime/errors/index.ts';
import type { Redis } from '../../runtime/redis/index.ts';

const MINUTE_MS = 60_000;

/**
 * Sign-in attempts are limited per account and per IP. If the limiter cannot be asked, the
 * attempt is refused (fail closed): an unlimited password oracle is worse than a short outage.
 */
export async function limitSignIn(
  redis: Redis,
  perMinute: number,
  subjects: { ip: string; email?: string | undefined },
): Promise<void> {
  const limit = { rate: perMinute, periodMs: MINUTE_MS, burst: perMinute };
  const keys = [`cp:login:ip:${digest(subjects.ip)}`];
  if (subjects.email) keys.push(`cp:login:account:${digest(subjects.email.toLowerCase())}`);
  for (const key of keys) {
    let result: Awaited<ReturnType<Redis['gcra']>>;
    try {
      result = await redis.gcra(key, limit);
    } catch {
      throw serviceUnavailable(
        'rate_limiter_unavailable',
        'Sign-in is temporarily unavailable; retry shortly',
        5,
      );
    }
    if (!result.allowed) throw tooManyRequests(result.retryAfterMs / 1000, 'too_many_attempts');
  }
}

// Limiter keys never hold an email or IP in the clear.
const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);
