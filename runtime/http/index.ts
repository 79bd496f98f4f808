// What every Hono server shares: the single error handler that renders HttpError as
// `{ "error": { "code", "message" } }`, the 404 body, and a one-line-per-request log.
// Unexpected errors are logged with their stack and answered with a generic 500.
import type { Context, ErrorHandler, MiddlewareHandler, NotFoundHandler } from 'hono';
import { HttpError, internalErrorBody } from '../errors/index.ts';
import type { Logger } from '../logger/index.ts';

export function errorHandler(logger: Logger): ErrorHandler {
  return (error, c) => {
    if (error instanceof HttpError) return renderHttpError(c, error);
    logger.error({ err: error, method: c.req.method, path: c.req.path }, 'unhandled error');
    return c.json(internalErrorBody(), 500);
  };
}

export function renderHttpError(c: Context, error: HttpError): Response {
  for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value);
  return c.json(error.toBody(), error.status as 400);
}

export const notFoundHandler: NotFoundHandler = (c) =>
  c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } }, 404);

/** One log line per request, without query strings (they can carry tokens) or bodies. */
export function requestLog(logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    logger.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      'request',
    );
  };
}
