// One way to call the server: JSON in and out, the bearer token attached, a refresh and one
// retry when the access token expired, and every failure turned into an ApiError carrying the
// server's `{ error: { code, message, details } }`, so screens can show readable messages.
import { createSession, type Session, SessionEnded } from './session.ts';
import type { FieldIssue, Tokens } from './types.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly FieldIssue[] = [],
  ) {
    super(message);
  }
}

/** A fetch the caller cancelled (navigation, a newer request): never an error to show. */
export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

export type Query = Record<string, string | number | readonly string[] | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  /** false for sign-in and sign-up calls, which carry no token. */
  auth?: boolean;
  signal?: AbortSignal;
}

export interface Api {
  readonly session: Session;
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T>;
  post<T>(path: string, body?: unknown, auth?: boolean): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  del<T>(path: string): Promise<T>;
  /** Called when a request finds the session over (so the app can go to sign-in). */
  onSessionEnded(listener: () => void): void;
}

export function queryString(query: Query | undefined): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (typeof value === 'object') for (const item of value) search.append(key, item);
    else search.append(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** The error a response carries, whatever its shape. */
export async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const error = body.error;
    if (error && typeof error.code === 'string' && typeof error.message === 'string') {
      const details = Array.isArray(error.details) ? (error.details as FieldIssue[]) : [];
      return new ApiError(response.status, error.code, error.message, details);
    }
  } catch {
    // Not JSON: a proxy or an outage page; fall through to a generic message.
  }
  return new ApiError(response.status, 'http_error', `The server answered ${response.status}; try again`);
}

const NETWORK_ERROR = () =>
  new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.');

export function createApi(): Api {
  const endedListeners: (() => void)[] = [];
  const sessionEnded = () => {
    for (const listener of endedListeners) listener();
    return new ApiError(401, 'session_ended', 'Your session has ended; sign in again');
  };

  const callRefresh = async (refreshToken: string): Promise<Tokens | 'invalid'> => {
    let response: Response;
    try {
      response = await fetch('/api/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
      });
    } catch {
      throw NETWORK_ERROR();
    }
    if (response.status === 401) return 'invalid';
    if (!response.ok) throw await errorOf(response);
    return (await response.json()) as Tokens;
  };
  const session = createSession(callRefresh);

  const send = async (method: string, path: string, options: RequestOptions, token: string | undefined) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    try {
      return await fetch(path + queryString(options.query), {
        method,
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
        signal: options.signal ?? null,
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      throw NETWORK_ERROR();
    }
  };

  const tokenOrEnd = async (): Promise<string> => {
    try {
      return await session.accessToken();
    } catch (error) {
      if (error instanceof SessionEnded) throw sessionEnded();
      throw error;
    }
  };

  const request = async <T>(method: string, path: string, options: RequestOptions = {}): Promise<T> => {
    const auth = options.auth !== false;
    let response = await send(method, path, options, auth ? await tokenOrEnd() : undefined);
    if (auth && response.status === 401) {
      const error = await errorOf(response);
      if (error.code !== 'token_expired') {
        session.clear();
        throw sessionEnded();
      }
      try {
        await session.refresh();
      } catch (refreshError) {
        if (refreshError instanceof SessionEnded) throw sessionEnded();
        throw refreshError;
      }
      response = await send(method, path, options, await tokenOrEnd());
    }
    if (!response.ok) throw await errorOf(response);
    if (response.status === 204) return undefined as T;
    const type = response.headers.get('content-type') ?? '';
    return (type.includes('json') ? await response.json() : await response.text()) as T;
  };

  return {
    session,
    request,
    get: (path, query, signal) => request('GET', path, { query, ...(signal ? { signal } : {}) }),
    post: (path, body, auth = true) => request('POST', path, { body, auth }),
    patch: (path, body) => request('PATCH', path, { body }),
    put: (path, body) => request('PUT', path, { body }),
    del: (path) => request('DELETE', path),
    onSessionEnded(listener) {
      endedListeners.push(listener);
    },
  };
}
