// Who is asking, and may they read this app. Two kinds of callers: an owner with a control-plane
// access token (Authorization: Bearer <JWT>), or a server API key with the read scope (X-API-Key,
// or Authorization: Bearer <key> for scrapers such as Prometheus that can only send a bearer
// token). An owner reads only their own apps and a key only its own app; anything else is the
// same 404 a missing app gets, so app ids cannot be probed.
import type { Context, MiddlewareHandler } from 'hono';
import { getOwnedApp } from '../../control-plane/apps/repository.ts';
import { verifyAccessToken } from '../../control-plane/auth/sessions.ts';
import { authenticateKey } from '../../control-plane/keys/authenticate.ts';
import { HttpError, notFound, tooManyRequests, unauthorized } from '../../runtime/errors/index.ts';
import type { GcraLimit } from '../../runtime/redis/index.ts';
import { RedisUnavailableError } from '../../runtime/redis/index.ts';
import type { QueryApiDeps } from '../deps.ts';

export type Principal =
  | { kind: 'owner'; userId: string }
  | { kind: 'key'; keyId: string; appId: string; timeZone: string };

/** The app a request reads, with the zone its answers are expressed in. */
export interface AppContext {
  appId: string;
  timeZone: string;
}

export interface RateLimit {
  /** Sustained queries per second per owner (or per app, for API keys). */
  perSecond: number;
  /** Queries admitted at once from idle (a dashboard loads a dozen panels together). */
  burst: number;
}

// A dashboard opening fires a dozen or so panels at once and then refreshes every few seconds;
// 10/s sustained with a burst of 50 never slows a person down but stops a script from scanning
// the raw table in a loop.
export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 10, burst: 50 };

const PRINCIPAL = 'queryApiPrincipal';
const KEY_PATTERN = /^cs_[sp]k_/;
const RATE_PREFIX = 'qa:rate:';

/** 401 for a missing, unknown, revoked or expired credential; 403 for a key without read scope. */
function keyError(code: string): HttpError {
  if (code === 'key_scope') return new HttpError(403, 'key_scope', 'This API key cannot read analytics');
  return unauthorized(code, 'The API key is missing, malformed, unknown, revoked or expired');
}

async function identify(deps: QueryApiDeps, c: Context): Promise<Principal> {
  const apiKey = c.req.header('x-api-key');
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  const presentedKey = apiKey ?? (bearer !== undefined && KEY_PATTERN.test(bearer) ? bearer : undefined);
  if (presentedKey !== undefined) {
    const verdict = await authenticateKey(
      {
        redis: deps.redis,
        postgres: deps.postgres,
        apiKeySecret: deps.config.apiKeySecret,
        now: deps.now,
      },
      presentedKey,
      { scope: 'read' },
    );
    if (!verdict.ok) throw keyError(verdict.code);
    const { record } = verdict;
    return { kind: 'key', keyId: record.keyId, appId: record.appId, timeZone: record.timeZone };
  }
  if (bearer === undefined) {
    throw unauthorized('missing_credentials', 'Send Authorization: Bearer <access token> or X-API-Key');
  }
  const owner = await verifyAccessToken(deps, bearer);
  return { kind: 'owner', userId: owner.userId };
}

async function admit(deps: QueryApiDeps, principal: Principal, limit: RateLimit): Promise<void> {
  const subject = principal.kind === 'owner' ? `owner:${principal.userId}` : `app:${principal.appId}`;
  const gcra: GcraLimit = { rate: limit.perSecond, periodMs: 1000, burst: limit.burst };
  try {
    const verdict = await deps.redis.gcra(`${RATE_PREFIX}${subject}`, gcra);
    if (!verdict.allowed) throw tooManyRequests(verdict.retryAfterMs / 1000);
  } catch (error) {
    // Reads are harmless to let through while Redis is away; refusing them would turn a cache
    // outage into an analytics outage.
    if (!(error instanceof RedisUnavailableError)) throw error;
    deps.logger.warn({ err: error }, 'query rate limit unavailable; admitting the request');
  }
}

/** Authenticates the caller, applies the per-owner rate limit and remembers who it was. */
export function requireReader(deps: QueryApiDeps, limit: RateLimit): MiddlewareHandler {
  return async (c, next) => {
    const principal = await identify(deps, c);
    await admit(deps, principal, limit);
    c.set(PRINCIPAL as never, principal as never);
    await next();
  };
}

/** The caller set by requireReader; a route without it is a programming error. */
export function principalOf(c: Context): Principal {
  const principal = c.get(PRINCIPAL as never) as Principal | undefined;
  if (!principal) throw new Error('principalOf() used on a route without requireReader');
  return principal;
}

/** The app this caller may read, or 404 app_not_found. */
export async function resolveApp(
  deps: QueryApiDeps,
  principal: Principal,
  appId: string,
): Promise<AppContext> {
  if (principal.kind === 'key') {
    if (principal.appId !== appId) throw notFound('app_not_found', 'App not found');
    return { appId, timeZone: principal.timeZone };
  }
  const app = await getOwnedApp(deps.postgres, principal.userId, appId);
  return { appId: app.id, timeZone: app.timeZone };
}
