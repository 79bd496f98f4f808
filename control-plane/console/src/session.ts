// The owner's session in the browser.
//
// Where tokens live: the access token (15 minutes) only in memory, so nothing persistent can
// leak it. The refresh token in localStorage: the server gives it 30 days because owners expect
// to stay signed in across tabs and browser restarts, which sessionStorage would defeat (every
// new tab would ask to sign in again). Both storages are equally readable by a script injected
// into the page, so sessionStorage would buy no protection against XSS; what does is the strict
// CSP (same-origin scripts only, no inline script) and text-only rendering. Sign-out revokes the
// session server side, and the refresh token rotates on every use.
//
// Refreshes are serialized across tabs with the Web Locks API where the browser has it: each tab
// reads the newest stored token inside the lock, so two tabs never spend the same one.
import type { SignedIn, Tokens, User } from './types.ts';

const REFRESH_TOKEN_KEY = 'clickstream.refreshToken';
const LOCK_NAME = 'clickstream.refresh';
// Refresh this long before the access token expires, so a request never carries a stale one.
const EXPIRY_MARGIN_MS = 30_000;

export class SessionEnded extends Error {
  constructor() {
    super('Your session has ended; sign in again');
  }
}

export interface Session {
  readonly user: User | undefined;
  /** Whether there is anything to resume (a stored refresh token). */
  canResume(): boolean;
  /** A usable access token, refreshing first when needed; throws SessionEnded when there is none. */
  accessToken(): Promise<string>;
  /** Called after a 401 token_expired: drop the access token and refresh. */
  refresh(): Promise<void>;
  start(signedIn: SignedIn): void;
  setUser(user: User): void;
  /** Forget everything locally (after sign-out, or when the server ended the session). */
  clear(): void;
  /** Another tab signed out (removed the refresh token): end this tab's session too. */
  onExternalSignOut(listener: () => void): void;
}

type RefreshCall = (refreshToken: string) => Promise<Tokens | 'invalid'>;

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    // Storage disabled by the browser: the session lasts as long as the page.
    return undefined;
  }
}

export function createSession(callRefresh: RefreshCall, now: () => number = Date.now): Session {
  const store = storage();
  let memoryRefreshToken: string | undefined;
  let access: { token: string; expiresAt: number } | undefined;
  let user: User | undefined;
  let inflight: Promise<void> | undefined;

  const readRefresh = () => store?.getItem(REFRESH_TOKEN_KEY) ?? memoryRefreshToken;
  const writeRefresh = (token: string | undefined) => {
    memoryRefreshToken = token;
    if (!store) return;
    if (token === undefined) store.removeItem(REFRESH_TOKEN_KEY);
    else store.setItem(REFRESH_TOKEN_KEY, token);
  };
  const keep = (tokens: Tokens) => {
    access = { token: tokens.accessToken, expiresAt: now() + tokens.expiresIn * 1000 };
    writeRefresh(tokens.refreshToken);
  };

  const refreshNow = async (): Promise<void> => {
    const token = readRefresh();
    if (!token) throw new SessionEnded();
    const answer = await callRefresh(token);
    if (answer === 'invalid') {
      // Another tab may have rotated it a moment ago: try the newest one once.
      const newest = readRefresh();
      if (newest && newest !== token) {
        const retry = await callRefresh(newest);
        if (retry !== 'invalid') return keep(retry);
      }
      access = undefined;
      writeRefresh(undefined);
      throw new SessionEnded();
    }
    keep(answer);
  };

  const refresh = (): Promise<void> => {
    access = undefined;
    inflight ??= (async () => {
      try {
        const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
        if (locks) await locks.request(LOCK_NAME, refreshNow);
        else await refreshNow();
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  };

  return {
    get user() {
      return user;
    },
    canResume: () => Boolean(access || readRefresh()),
    async accessToken() {
      if (access && access.expiresAt - EXPIRY_MARGIN_MS > now()) return access.token;
      await refresh();
      if (!access) throw new SessionEnded();
      return access.token;
    },
    refresh,
    start(signedIn) {
      keep(signedIn);
      user = signedIn.user;
    },
    setUser(next) {
      user = next;
    },
    clear() {
      access = undefined;
      user = undefined;
      writeRefresh(undefined);
    },
    onExternalSignOut(listener) {
      window.addEventListener('storage', (event) => {
        if (event.key === REFRESH_TOKEN_KEY && event.newValue === null && user) listener();
      });
    },
  };
}
