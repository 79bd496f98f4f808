import type { Context, MiddlewareHandler } from 'hono';
import { unauthorized } from '../../runtime/errors/index.ts';
import type { ControlPlaneDeps } from '../deps.ts';
import { type Owner, verifyAccessToken } from './sessions.ts';

const OWNER = 'owner';

/** Requires `Authorization: Bearer <access token>` for a live session; sets the owner. */
export function requireOwner(deps: Pick<ControlPlaneDeps, 'config' | 'postgres' | 'now'>): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw unauthorized('missing_token', 'Authorization: Bearer <token> is required');
    c.set(OWNER as never, (await verifyAccessToken(deps, match[1])) as never);
    await next();
  };
}

/** The owner set by requireOwner; a route without the middleware is a programming error. */
export function ownerOf(c: Context): Owner {
  const owner = c.get(OWNER as never) as Owner | undefined;
  if (!owner) throw new Error('ownerOf() used on a route without requireOwner');
  return owner;
}
