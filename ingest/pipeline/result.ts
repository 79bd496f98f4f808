// Results as values: a pipeline step returns ok(value) or reject(code, message) and never throws
// for bad input. Throwing is reserved for bugs, so a catch-all is never needed around a step.

export type Result<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

/** The failing half of every Result, assignable to any Result<T>. */
export type Rejection = { ok: false; code: RejectCode; message: string };

/**
 * Every code a step can reject with. Stable: clients, the quarantine table and dashboards match on
 * them, so a code is added, never renamed.
 */
export const REJECT_CODES = [
  // The request body as a whole (the edge answers these with a 400 and stores nothing).
  'invalid_utf8',
  'invalid_json',
  'too_deep',
  'forbidden_key',
  'invalid_body',
  'batch_too_large',
  // One item of a batch (answered per item and quarantined).
  'invalid_event',
  'missing_event_type',
  'missing_event_name',
  'missing_identity',
  'unknown_message_type',
  'invalid_field',
  'event_too_large',
  'invalid_sample',
  'unknown_metric',
  'metric_disabled',
  'metric_type_mismatch',
  'label_not_allowed',
  'negative_counter_increment',
  'non_finite_value',
] as const;

export type RejectCode = (typeof REJECT_CODES)[number];

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function reject(code: RejectCode, message: string): Rejection {
  return { ok: false, code, message };
}
