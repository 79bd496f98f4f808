// The freshness contract between the ingest flusher and the query cache. Each app has a
// generation token in Redis; every cached answer's key includes the token current when it was
// computed. After each flush that wrote an app's rows, the flusher calls bumpAppGenerations, so
// the next read looks under a new key and computes a fresh answer: no answer is ever staler than
// one flush. Entries under old tokens are never read again and expire with their TTL.
//
// A bump writes a new random token instead of incrementing a counter: if Redis ever loses the
// key (eviction, restart), a counter would restart at values that old entries still live under,
// while a random token can never repeat one.
import { randomBytes } from 'node:crypto';
import type { Redis } from '../../runtime/redis/index.ts';

const GENERATION_PREFIX = 'qa:gen:';
/** What an app that was never bumped reads as its generation. */
export const INITIAL_GENERATION = '0';
// 8 random bytes: two bumps of one app colliding is a 2^-64 event.
const TOKEN_BYTES = 8;

export function generationKey(appId: string): string {
  return `${GENERATION_PREFIX}${appId}`;
}

/** The app's current generation token. */
export async function readAppGeneration(redis: Redis, appId: string): Promise<string> {
  return (await redis.get(generationKey(appId))) ?? INITIAL_GENERATION;
}

/**
 * Invalidates every cached answer of these apps. Call after a flush's insert has been
 * acknowledged (never before: a reader between a bump and the insert would cache old data under
 * the new generation). Resolves when every bump is stored; rejects if Redis is unavailable.
 */
export async function bumpAppGenerations(redis: Redis, appIds: readonly string[]): Promise<void> {
  const unique = [...new Set(appIds)];
  await Promise.all(
    unique.map((appId) => redis.set(generationKey(appId), randomBytes(TOKEN_BYTES).toString('hex'))),
  );
}
