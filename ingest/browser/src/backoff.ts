// When to try a failed request again: exponential backoff with jitter, or the server's
// Retry-After when it gave one. Which answers are worth retrying at all.

/** First retry after about a second: long enough for a restarting edge, short for a blip. */
export const BACKOFF_BASE_MS = 1_000;
/** Never wait longer than a minute between tries while the page is open. */
export const BACKOFF_MAX_MS = 60_000;
/** A Retry-After beyond ten minutes is clamped: the visitor is likely gone by then anyway. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;
/** Spreads the clients one Retry-After told to come back at the same second over a second. */
export const RETRY_AFTER_JITTER_MS = 1_000;

/**
 * Delay before retry number `attempt` (0 for the first), given `random` in [0, 1). Exponential
 * with "equal jitter" (half fixed, half random) so retries never bunch up yet never come early;
 * a Retry-After, when given, is a floor.
 */
export function retryDelay(attempt: number, random: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) {
    return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS) + Math.floor(random * RETRY_AFTER_JITTER_MS);
  }
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 30));
  return Math.floor(ceiling / 2 + (random * ceiling) / 2);
}

/** Retry-After (delta-seconds or an HTTP date) in milliseconds from `now`, if it says anything. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  // An HTTP date names its weekday and month; anything else (e.g. "-1") is not one.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** 'ok': done (2xx). 'retry': 429 and 5xx. 'key': 401/403, the key will not work on this page. 'drop': other 4xx. */
export type SendVerdict = 'ok' | 'retry' | 'key' | 'drop';

export function classifyStatus(status: number): SendVerdict {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 429 || status >= 500) return 'retry';
  if (status === 401 || status === 403) return 'key';
  return 'drop';
}
