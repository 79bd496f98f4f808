// One error type for everything that reaches a client: HTTP status, stable code, message.
// Handlers throw or return these; each server has exactly one place that renders them
// as `{ "error": { "code", "message" } }`. Never put secrets or raw input in a message.

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new HttpError(400, code, message, details);
export const unauthorized = (code = 'unauthorized', message = 'Authentication required') =>
  new HttpError(401, code, message);
export const notFound = (code = 'not_found', message = 'Not found') => new HttpError(404, code, message);
export const conflict = (code: string, message: string) => new HttpError(409, code, message);
export const tooManyRequests = (retryAfterSeconds: number, code = 'rate_limited') =>
  new HttpError(429, code, 'Too many requests; retry later', undefined, {
    'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
  });
export const serviceUnavailable = (code: string, message: string, retryAfterSeconds = 1) =>
  new HttpError(503, code, message, undefined, { 'retry-after': String(retryAfterSeconds) });

/** Body for an unexpected failure: no internals leak to the client. */
export const internalErrorBody = (): ErrorBody => ({
  error: { code: 'internal_error', message: 'Internal server error' },
});
