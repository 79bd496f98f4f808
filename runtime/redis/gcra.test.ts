import { describe, expect, it } from 'vitest';
import { decideGcra, planGcra } from './gcra.ts';

const T0 = 1_700_000_000_000_000; // an epoch in microseconds, as Redis TIME gives it
const limit = { rate: 10, periodMs: 1_000, burst: 3 }; // one unit per 100 ms, three at once

/** Runs requests at the given offsets (ms after T0) against one key; returns each result. */
function replay(offsetsMs: number[], cost = 1) {
  const plan = planGcra(limit, cost);
  let tat: number | null = null;
  return offsetsMs.map((offset) => {
    const decision = decideGcra(tat, T0 + offset * 1_000, plan);
    if (decision.newTatUs !== null) tat = decision.newTatUs;
    return decision.result;
  });
}

describe('planGcra', () => {
  it('turns a limit into integer microsecond steps', () => {
    expect(planGcra(limit, 2)).toEqual({ emissionUs: 100_000, toleranceUs: 300_000, costUs: 200_000 });
    expect(planGcra({ rate: 3, periodMs: 1_000, burst: 1 }, 1).emissionUs).toBe(333_333);
  });

  it.each([
    [{ rate: 0, periodMs: 1_000, burst: 1 }, 1, /rate/],
    [{ rate: 1, periodMs: -5, burst: 1 }, 1, /periodMs/],
    [{ rate: 1, periodMs: 1_000, burst: 0 }, 1, /burst/],
    [{ rate: 1, periodMs: 1_000, burst: 1.5 }, 1, /burst/],
    [{ rate: 1, periodMs: 1_000, burst: 2 }, -1, /cost/],
    [{ rate: 1, periodMs: 1_000, burst: 2 }, 3, /exceeds burst/],
  ])('rejects %o with cost %i', (bad, cost, message) => {
    expect(() => planGcra(bad, cost)).toThrow(message);
  });
});

describe('decideGcra', () => {
  it('admits exactly burst at once, then denies with the wait until the next unit', () => {
    expect(replay([0, 0, 0, 0])).toEqual([
      { allowed: true, retryAfterMs: 0, remaining: 2 },
      { allowed: true, retryAfterMs: 0, remaining: 1 },
      { allowed: true, retryAfterMs: 0, remaining: 0 },
      { allowed: false, retryAfterMs: 100, remaining: 0 },
    ]);
  });

  it('admits one unit per emission interval once the burst is spent', () => {
    const results = replay([0, 0, 0, 40, 100, 150, 199, 200, 300]);
    expect(results.map((result) => result.allowed)).toEqual([
      true,
      true,
      true,
      false,
      true,
      false,
      false,
      true,
      true,
    ]);
    expect(results[3]?.retryAfterMs).toBe(60);
    expect(results[5]?.retryAfterMs).toBe(50);
    expect(results[6]?.retryAfterMs).toBe(1);
  });

  it('refills the burst after idling', () => {
    const results = replay([0, 0, 0, 1_000, 1_000, 1_000, 1_000]);
    expect(results.map((result) => result.allowed)).toEqual([true, true, true, true, true, true, false]);
  });

  it('charges cost units at once and reports what still fits when denying', () => {
    const results = replay([0, 0, 50], 2);
    expect(results[0]).toEqual({ allowed: true, retryAfterMs: 0, remaining: 1 });
    // One unit fits (remaining 1) but two were asked for: wait until a second unit frees up.
    expect(results[1]).toEqual({ allowed: false, retryAfterMs: 100, remaining: 1 });
    expect(results[2]).toEqual({ allowed: false, retryAfterMs: 50, remaining: 1 });
  });

  it('stores the new TAT with an expiry equal to how far ahead it runs, and nothing when denied', () => {
    const plan = planGcra(limit, 1);
    expect(decideGcra(null, T0, plan)).toMatchObject({ newTatUs: T0 + 100_000, ttlMs: 100 });
    expect(decideGcra(T0 + 300_000, T0, plan)).toMatchObject({ newTatUs: null });
    // cost 0 only reports.
    expect(decideGcra(T0 + 100_000, T0, planGcra(limit, 0))).toEqual({
      result: { allowed: true, retryAfterMs: 0, remaining: 2 },
      newTatUs: null,
      ttlMs: 100,
    });
  });
});
