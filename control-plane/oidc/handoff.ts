// How a finished sign-in reaches the single-page app. The callback redirects the browser to
// `${PUBLIC_URL}/#/auth/callback?handoff=<code>`: a one-time, short-lived code in the URL
// fragment, which browsers never send to a server nor put in a Referer. The SPA posts it to
// /api/auth/google/session and gets the session tokens in the response body. So the tokens
// themselves never appear in a URL, history entry or log, and a leaked code is useless once
// used or after a minute. Redis stores only the code's hash and the user id, never a token.
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from '../../runtime/redis/index.ts';
import { putOnce, takeOnce } from './one-time.ts';
import { isRecord } from './outbound.ts';

// The SPA exchanges the code as soon as the redirect loads; a minute covers a slow page load.
export const HANDOFF_TTL_MS = 60 * 1000;
const HANDOFF_PREFIX = 'oidc:handoff:';
// 256 bits: cannot be guessed, so the exchange needs no rate limit of its own.
const HANDOFF_BYTES = 32;

export interface Handoff {
  userId: string;
  returnTo: string;
}

const handoffKey = (code: string) => HANDOFF_PREFIX + createHash('sha256').update(code).digest('hex');

export async function issueHandoff(redis: Redis, handoff: Handoff): Promise<string> {
  const code = randomBytes(HANDOFF_BYTES).toString('base64url');
  await putOnce(redis, handoffKey(code), handoff, HANDOFF_TTL_MS);
  return code;
}

export async function redeemHandoff(redis: Redis, code: string): Promise<Handoff | undefined> {
  const value = await takeOnce(redis, handoffKey(code));
  if (!isRecord(value) || typeof value.userId !== 'string' || typeof value.returnTo !== 'string')
    return undefined;
  return { userId: value.userId, returnTo: value.returnTo };
}

/** Where the browser lands after the callback. */
export function handoffUrl(publicUrl: string, code: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/#/auth/callback?handoff=${encodeURIComponent(code)}`;
}
