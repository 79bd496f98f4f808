// A local HTTP server for the tracker's browser tests: it serves test pages and the bundle, and
// plays the ingest edge (records every POST, answers 202 or whatever a test scripted, with the
// edge's CORS headers). Requests are grouped by API key so each test owns its data.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Reply {
  status: number;
  /** Hold the answer this long, as a slow network would. */
  delayMs?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface Received {
  /** Date.now() when the body had arrived. */
  at: number;
  path: string;
  key: string | null;
  /** Sec-Fetch-Mode: 'no-cors' for sendBeacon, 'cors' for the tracker's fetches. */
  mode: string;
  contentType: string;
  bytes: number;
  body: unknown;
  /** The status the fake edge answered. */
  status: number;
}

export type Json = Record<string, unknown>;

export interface FakeEdge {
  /** The page origin (http://localhost:port): different from the ingest origin, as in production. */
  pageUrl(path: string): string;
  /** http://127.0.0.1:port */
  ingestUrl: string;
  setPage(path: string, html: string): void;
  /** The next event batches POSTed with `key` get these answers, in order; then 202 again. */
  reply(key: string, ...replies: Reply[]): void;
  received(key: string): Received[];
  /** Events of `key` from requests answered 2xx, in arrival order. */
  events(key: string): Json[];
  samples(key: string): Json[];
  close(): Promise<void>;
}

const EVENTS_PATH = '/api/events/track/batch';
const METRICS_PATH = '/api/v1/metrics';

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function items(body: unknown, field: 'events' | 'samples'): Json[] {
  const list = body && typeof body === 'object' ? (body as Json)[field] : undefined;
  return Array.isArray(list) ? (list as Json[]) : [];
}

export async function startFakeEdge(sdk: string): Promise<FakeEdge> {
  const pages = new Map<string, string>();
  const scripted = new Map<string, Reply[]>();
  const log: Received[] = [];

  const cors = (request: IncomingMessage) => ({
    'access-control-allow-origin': request.headers.origin ?? '*',
    'access-control-expose-headers': 'retry-after',
    vary: 'Origin',
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake-edge');
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        ...cors(request),
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'content-type, x-api-key',
        'access-control-max-age': '600',
      });
      response.end();
      return;
    }
    if (request.method === 'POST' && (url.pathname === EVENTS_PATH || url.pathname === METRICS_PATH)) {
      const raw = await readBody(request);
      const key = url.searchParams.get('key') ?? (request.headers['x-api-key'] as string | undefined) ?? null;
      const queue = key === null || url.pathname !== EVENTS_PATH ? undefined : scripted.get(key);
      const reply = queue?.shift() ?? { status: 202 };
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = undefined;
      }
      const count = items(body, url.pathname === EVENTS_PATH ? 'events' : 'samples').length;
      log.push({
        at: Date.now(),
        path: url.pathname,
        key,
        mode: String(request.headers['sec-fetch-mode'] ?? ''),
        contentType: String(request.headers['content-type'] ?? ''),
        bytes: raw.length,
        body,
        status: reply.status,
      });
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      response.writeHead(reply.status, {
        ...cors(request),
        'content-type': 'application/json',
        ...reply.headers,
      });
      response.end(JSON.stringify(reply.body ?? { accepted: count, rejected: [] }));
      return;
    }
    if (request.method === 'GET' && url.pathname === '/sdk/v1.js') {
      response.writeHead(200, {
        'content-type': 'application/javascript; charset=utf-8',
        'cache-control': 'no-store',
      });
      response.end(sdk);
      return;
    }
    const page = request.method === 'GET' ? pages.get(url.pathname) : undefined;
    if (page !== undefined) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(page);
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not found');
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const accepted = (key: string, path: string) =>
    log.filter(
      (entry) => entry.key === key && entry.path === path && entry.status >= 200 && entry.status < 300,
    );

  return {
    pageUrl: (path) => `http://localhost:${port}${path}`,
    ingestUrl: `http://127.0.0.1:${port}`,
    setPage: (path, html) => {
      pages.set(path, html);
    },
    reply: (key, ...replies) => {
      scripted.set(key, [...(scripted.get(key) ?? []), ...replies]);
    },
    received: (key) => log.filter((entry) => entry.key === key),
    events: (key) => accepted(key, EVENTS_PATH).flatMap((entry) => items(entry.body, 'events')),
    samples: (key) => accepted(key, METRICS_PATH).flatMap((entry) => items(entry.body, 'samples')),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
