// Small uWebSockets.js helpers: read a body under a byte cap, and answer exactly once (never
// after the client went away; always corked so status, headers and body leave in one write).
import type { HttpResponse } from 'uWebSockets.js';

export interface ResponseState {
  aborted: boolean;
  done: boolean;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: '200 OK',
  202: '202 Accepted',
  204: '204 No Content',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  413: '413 Payload Too Large',
  415: '415 Unsupported Media Type',
  429: '429 Too Many Requests',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

export interface Reply {
  status: number;
  body: string;
  contentType?: string;
  headers?: Readonly<Record<string, string>>;
  /** Close the connection after answering (e.g. when the rest of the body is unwanted). */
  close?: boolean;
}

export function send(res: HttpResponse, state: ResponseState, reply: Reply): void {
  if (state.aborted || state.done) return;
  state.done = true;
  res.cork(() => {
    res.writeStatus(STATUS_TEXT[reply.status] ?? String(reply.status));
    res.writeHeader('content-type', reply.contentType ?? 'application/json');
    if (reply.headers)
      for (const [name, value] of Object.entries(reply.headers)) res.writeHeader(name, value);
    res.end(reply.body, reply.close ?? false);
  });
}

export function jsonReply(status: number, body: unknown, headers?: Readonly<Record<string, string>>): Reply {
  return { status, body: JSON.stringify(body), ...(headers ? { headers } : {}) };
}

export function errorReply(
  status: number,
  code: string,
  message: string,
  extra?: { headers?: Readonly<Record<string, string>>; close?: boolean; details?: unknown },
): Reply {
  return {
    status,
    body: JSON.stringify({
      error: { code, message, ...(extra?.details === undefined ? {} : { details: extra.details }) },
    }),
    ...(extra?.headers ? { headers: extra.headers } : {}),
    ...(extra?.close ? { close: true } : {}),
  };
}

/**
 * Collect the request body, giving up (onTooLarge) as soon as it passes `limit` bytes. uWS
 * hands out chunks that are only valid during the callback, so each is copied once.
 */
export function readBody(
  res: HttpResponse,
  limit: number,
  onBody: (body: Buffer) => void,
  onTooLarge: () => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  res.onData((chunk, isLast) => {
    if (finished) return;
    size += chunk.byteLength;
    if (size > limit) {
      finished = true;
      onTooLarge();
      return;
    }
    chunks.push(Buffer.from(chunk.slice(0)));
    if (isLast) {
      finished = true;
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      // uWS keeps this handler until the response ends: it must not keep the body too.
      chunks.length = 0;
      onBody(body);
    }
  });
}
