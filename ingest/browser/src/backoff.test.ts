import { describe, expect, it } from 'vitest';
import {
  BACKOFF_BASE_MS,
  BACKOFF_MAX_MS,
  classifyStatus,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  RETRY_AFTER_JITTER_MS,
  retryDelay,
} from './backoff.ts';

describe('retryDelay', () => {
  it.each([
    [0, 0, BACKOFF_BASE_MS / 2],
    [0, 0.999_999, BACKOFF_BASE_MS - 1],
    [1, 0, BACKOFF_BASE_MS],
    [1, 0.5, 1.5 * BACKOFF_BASE_MS],
    [3, 0, 4 * BACKOFF_BASE_MS],
    [6, 0, BACKOFF_MAX_MS / 2],
    [20, 0.999_999, BACKOFF_MAX_MS - 1],
    [5_000, 0.5, 0.75 * BACKOFF_MAX_MS],
  ])('attempt %i with random %f waits %i ms', (attempt, random, delay) => {
    expect(retryDelay(attempt, random)).toBe(delay);
  });

  it('grows with each attempt and stays within the cap', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const low = retryDelay(attempt, 0);
      const high = retryDelay(attempt, 0.999_999);
      expect(high).toBeLessThan(BACKOFF_MAX_MS);
      expect(low).toBeGreaterThanOrEqual(Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt) / 2);
      if (attempt > 0) expect(low).toBeGreaterThanOrEqual(retryDelay(attempt - 1, 0));
    }
  });

  it('waits at least Retry-After, whatever the attempt, with a little jitter on top', () => {
    expect(retryDelay(0, 0, 2_000)).toBe(2_000);
    expect(retryDelay(9, 0.5, 2_000)).toBe(2_000 + RETRY_AFTER_JITTER_MS / 2);
    expect(retryDelay(0, 0, 0)).toBe(0);
  });

  it('clamps an absurd Retry-After', () => {
    expect(retryDelay(0, 0, 86_400_000)).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-05-06T07:08:09.000Z');

  it.each([
    [null, undefined],
    ['', undefined],
    ['5', 5_000],
    [' 120 ', 120_000],
    ['0', 0],
    ['Mon, 06 May 2024 07:08:19 GMT', 10_000],
    ['Mon, 06 May 2024 07:00:00 GMT', 0],
    ['-1', undefined],
    ['soon', undefined],
  ])('%j -> %j', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
});

describe('classifyStatus', () => {
  it.each([
    [200, 'ok'],
    [202, 'ok'],
    [204, 'ok'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [401, 'key'],
    [403, 'key'],
    [400, 'drop'],
    [404, 'drop'],
    [408, 'drop'],
    [413, 'drop'],
    [302, 'drop'],
  ])('%i -> %s', (status, verdict) => {
    expect(classifyStatus(status)).toBe(verdict);
  });
});
