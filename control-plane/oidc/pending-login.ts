// A sign-in between the redirect to the provider and its callback: the PKCE verifier and nonce
// live only here (server side, in Redis), keyed by the `state` sent through the browser.
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from '../../runtime/redis/index.ts';
import { putOnce, takeOnce } from './one-time.ts';
import { isRecord } from './outbound.ts';

// Long enough to pick an account, type a password and pass a second factor at the provider;
// an abandoned sign-in's verifier does not linger beyond it.
export const PENDING_LOGIN_TTL_MS = 10 * 60 * 1000;
export const PENDING_LOGIN_PREFIX = 'oidc:pending:';
// 32 random bytes: 256 bits, unguessable; base64url is 43 characters (RFC 7636 allows 43–128).
const RANDOM_BYTES = 32;
export const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface PendingLogin {
  codeVerifier: string;
  nonce: string;
  createdAt: number;
  /** SPA route to open after sign-in. */
  returnTo: string;
}

export interface NewLogin {
  state: string;
  codeChallenge: string;
  pending: PendingLogin;
}

const random = () => randomBytes(RANDOM_BYTES).toString('base64url');

/** Fresh state, nonce and PKCE pair (S256, RFC 7636 §4.2). */
export function newLogin(returnTo: string, now: number): NewLogin {
  const codeVerifier = random();
  return {
    state: random(),
    codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    pending: { codeVerifier, nonce: random(), createdAt: now, returnTo },
  };
}

export const pendingLoginKey = (state: string) => PENDING_LOGIN_PREFIX + state;

export function savePendingLogin(redis: Redis, state: string, pending: PendingLogin): Promise<void> {
  return putOnce(redis, pendingLoginKey(state), pending, PENDING_LOGIN_TTL_MS);
}

/** The pending login for this state, removed as it is read; undefined if unknown or used. */
export async function consumePendingLogin(redis: Redis, state: string): Promise<PendingLogin | undefined> {
  if (!STATE_PATTERN.test(state)) return undefined;
  const value = await takeOnce(redis, pendingLoginKey(state));
  if (
    !isRecord(value) ||
    typeof value.codeVerifier !== 'string' ||
    typeof value.nonce !== 'string' ||
    typeof value.createdAt !== 'number' ||
    typeof value.returnTo !== 'string'
  ) {
    return undefined;
  }
  return {
    codeVerifier: value.codeVerifier,
    nonce: value.nonce,
    createdAt: value.createdAt,
    returnTo: value.returnTo,
  };
}
