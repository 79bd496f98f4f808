import type { Context } from 'hono';
import { badRequest, conflict, unauthorized } from '../../runtime/errors/index.ts';
import { clientIp } from '../../runtime/http/client-ip.ts';
import { ErrorResponse } from '../../runtime/http/openapi.ts';
import { defineRoute, type Route } from '../../runtime/http/routes.ts';
import { PostgresError } from '../../runtime/postgres/index.ts';
import type { ControlPlaneDeps } from '../deps.ts';
import { publishKeys } from '../keys/publication.ts';
import { createFirstApp } from './first-run.ts';
import { ownerOf } from './middleware.ts';
import { DUMMY_HASH_PROMISE, hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import { limitSignIn } from './rate-limit.ts';
import { Login, Refresh, Register, Registration, Session, Tokens, User } from './schemas.ts';
import { refreshSession, revokeSession, startSession } from './sessions.ts';
import { findUserByEmail, findUserById, insertUser, toUser } from './users.ts';

const PASSWORD_MESSAGES = {
  password_too_short: 'Password must be at least 10 characters',
  password_too_long: 'Password must be at most 256 characters',
  password_too_weak: 'Password is too easy to guess; use a longer, less predictable one',
} as const;

export function authRoutes(deps: ControlPlaneDeps): Route[] {
  const { postgres, redis, config } = deps;
  const client = (c: Context) => ({
    ip: clientIp(c, config.trustProxy),
    userAgent: c.req.header('user-agent'),
  });
  let dummyHash: Promise<string> | undefined;

  const register = defineRoute(
    {
      method: 'post',
      path: '/api/auth/register',
      summary: 'Create an owner account, its first app, and one browser and one server key',
      tag: 'auth',
      security: 'none',
      body: Register,
      responses: {
        201: { description: 'Signed up; both keys are shown this once', schema: Registration },
        400: ErrorResponse,
        409: ErrorResponse,
        429: ErrorResponse,
      },
    },
    async (c, { body }) => {
      const info = client(c);
      await limitSignIn(redis, config.rateLimit.loginPerMinute, { ip: info.ip });
      const problem = passwordProblem(body.password, body.email);
      if (problem) throw badRequest(problem, PASSWORD_MESSAGES[problem]);
      const passwordHash = await hashPassword(body.password);
      const now = deps.now();
      const created = await postgres
        .transaction(async (tx) => {
          const user = await insertUser(tx, {
            email: body.email,
            name: body.name ?? body.email.split('@')[0] ?? '',
            passwordHash,
          });
          const firstRun = await createFirstApp(tx, {
            userId: user.id,
            ip: info.ip,
            apiKeySecret: config.apiKeySecret,
            now,
          });
          return { user, firstRun };
        })
        .catch((error: unknown) => {
          if (error instanceof PostgresError && error.code === '23505') {
            throw conflict('email_taken', 'An account with this email already exists');
          }
          throw error;
        });
      await publishKeys(deps, created.firstRun.keyHmacs);
      const tokens = await startSession(deps, created.user.id, info);
      return c.json(
        { ...tokens, user: toUser(created.user), app: created.firstRun.app, keys: created.firstRun.keys },
        201,
      );
    },
  );

  const login = defineRoute(
    {
      method: 'post',
      path: '/api/auth/login',
      summary: 'Sign in with email and password',
      tag: 'auth',
      security: 'none',
      body: Login,
      responses: {
        200: { description: 'Signed in', schema: Session },
        401: ErrorResponse,
        429: ErrorResponse,
      },
    },
    async (c, { body }) => {
      const info = client(c);
      await limitSignIn(redis, config.rateLimit.loginPerMinute, { ip: info.ip, email: body.email });
      const user = await findUserByEmail(postgres, body.email);
      // Unknown email or a Google-only account: still spend one hash so timing reveals nothing.
      dummyHash ??= DUMMY_HASH_PROMISE();
      const ok = await verifyPassword(body.password, user?.password_hash ?? (await dummyHash));
      if (!user?.password_hash || !ok)
        throw unauthorized('invalid_credentials', 'Email or password is incorrect');
      return c.json({ ...(await startSession(deps, user.id, info)), user: toUser(user) });
    },
  );

  const refresh = defineRoute(
    {
      method: 'post',
      path: '/api/auth/refresh',
      summary: 'Exchange a refresh token for a new access token (the refresh token rotates)',
      tag: 'auth',
      security: 'none',
      body: Refresh,
      responses: { 200: { description: 'New tokens', schema: Tokens }, 401: ErrorResponse },
    },
    async (c, { body }) => c.json(await refreshSession(deps, body.refreshToken)),
  );

  const logout = defineRoute(
    {
      method: 'post',
      path: '/api/auth/logout',
      summary: 'Sign out: the session and every token of it stop working at once',
      tag: 'auth',
      security: 'owner',
      responses: { 204: { description: 'Signed out' }, 401: ErrorResponse },
    },
    async (c) => {
      await revokeSession(deps, ownerOf(c).sessionId);
      return c.body(null, 204);
    },
  );

  const me = defineRoute(
    {
      method: 'get',
      path: '/api/auth/me',
      summary: 'The signed-in owner',
      tag: 'auth',
      security: 'owner',
      responses: { 200: { description: 'Owner', schema: User }, 401: ErrorResponse },
    },
    async (c) => {
      const user = await findUserById(postgres, ownerOf(c).userId);
      if (!user) throw unauthorized('invalid_token', 'Access token is invalid or revoked');
      return c.json(toUser(user));
    },
  );

  return [register, login, refresh, logout, me];
}
