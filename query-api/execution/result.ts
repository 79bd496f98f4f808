// Steps that check client input return their answer as a value: ok(value), or reject(code,
// message) for input the client must change. A rejection becomes a 400 at the route; throwing
// is kept for bugs and failing services.
import { badRequest, type HttpError } from '../../runtime/errors/index.ts';

export type Result<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export const reject = <T = never>(code: string, message: string): Result<T> => ({ ok: false, code, message });

/** The value, or the rejection as a 400 with its code and message. */
export function orBadRequest<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw rejectionError(result);
}

export function rejectionError(result: { code: string; message: string }): HttpError {
  return badRequest(result.code, result.message);
}
