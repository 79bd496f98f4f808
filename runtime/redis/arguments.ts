// Argument checks both implementations share, so a bad call fails the same way in both modes
// (and before a round trip to the server).

/** A TTL in whole milliseconds (Redis's PX takes integers >= 1). */
export function ttlArgument(ttlMs: number): number {
  if (!(Number.isFinite(ttlMs) && ttlMs > 0)) throw new RangeError(`ttlMs must be > 0, got ${ttlMs}`);
  return Math.max(1, Math.ceil(ttlMs));
}

export function integerArgument(name: string, value: number): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a safe integer, got ${value}`);
  return value;
}
