import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/**
 * The client's address: the first X-Forwarded-For hop when a trusted proxy sets it, else the
 * socket's peer. Without a socket (in-process `app.request()` tests) it is "unknown".
 */
export function clientIp(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** clientIp with the deployment's proxy setting bound, for a module's routes. */
export function clientIpOf(trustProxy: boolean): (c: Context) => string {
  return (c) => clientIp(c, trustProxy);
}
