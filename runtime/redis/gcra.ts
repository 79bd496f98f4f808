// GCRA (generic cell rate algorithm) as pure integer arithmetic in microseconds. The embedded
// store runs these functions; the server runs the same steps in Lua (server-scripts.ts), so both
// modes admit exactly the same requests.
//
// Each key stores its TAT (theoretical arrival time): when the next unit would be due if traffic
// flowed at exactly the sustained rate. A request of `cost` units moves the TAT forward by
// cost * emission interval; it is admitted when the new TAT is at most `burst` intervals ahead of now.
import type { GcraLimit, GcraResult } from './types.ts';

export interface GcraPlan {
  /** Microseconds between units at the sustained rate (the emission interval). */
  emissionUs: number;
  /** How far ahead of now the TAT may run: burst * emission interval. */
  toleranceUs: number;
  /** cost * emission interval. */
  costUs: number;
}

export interface GcraDecision {
  result: GcraResult;
  /** TAT to store, or null to leave the key as it is (denied, or cost 0). */
  newTatUs: number | null;
  /** Expiry for the stored TAT: once it passes, the key is idle and equals a missing one. */
  ttlMs: number;
}

/** Validates a limit and cost and turns them into integer microsecond steps; throws RangeError on a caller bug. */
export function planGcra(limit: GcraLimit, cost: number): GcraPlan {
  const { rate, periodMs, burst } = limit;
  if (!(Number.isFinite(rate) && rate > 0)) throw new RangeError(`GCRA rate must be > 0, got ${rate}`);
  if (!(Number.isFinite(periodMs) && periodMs > 0))
    throw new RangeError(`GCRA periodMs must be > 0, got ${periodMs}`);
  if (!(Number.isSafeInteger(burst) && burst >= 1))
    throw new RangeError(`GCRA burst must be an integer >= 1, got ${burst}`);
  if (!(Number.isSafeInteger(cost) && cost >= 0))
    throw new RangeError(`GCRA cost must be an integer >= 0, got ${cost}`);
  if (cost > burst)
    throw new RangeError(`GCRA cost ${cost} exceeds burst ${burst}: it could never be admitted`);
  // Whole microseconds keep every step exact (Lua numbers are doubles); rounding changes the
  // rate by at most one part in a million for any period of a second or more.
  const emissionUs = Math.max(1, Math.round((periodMs * 1000) / rate));
  return { emissionUs, toleranceUs: burst * emissionUs, costUs: cost * emissionUs };
}

export function decideGcra(storedTatUs: number | null, nowUs: number, plan: GcraPlan): GcraDecision {
  const { emissionUs, toleranceUs, costUs } = plan;
  const tat = storedTatUs === null ? nowUs : Math.max(storedTatUs, nowUs);
  const newTat = tat + costUs;
  if (newTat - nowUs > toleranceUs) {
    return {
      result: {
        allowed: false,
        retryAfterMs: Math.ceil((newTat - toleranceUs - nowUs) / 1000),
        remaining: Math.max(0, Math.floor((toleranceUs - (tat - nowUs)) / emissionUs)),
      },
      newTatUs: null,
      ttlMs: 0,
    };
  }
  return {
    result: {
      allowed: true,
      retryAfterMs: 0,
      remaining: Math.floor((toleranceUs - (newTat - nowUs)) / emissionUs),
    },
    newTatUs: costUs > 0 ? newTat : null,
    ttlMs: Math.max(1, Math.ceil((newTat - nowUs) / 1000)),
  };
}
