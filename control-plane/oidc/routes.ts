import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { clientIp } from '../../runtime/http/client-ip.ts';
import { ErrorResponse } from '../../runtime/http/openapi.ts';
import { defineRoute, type Route } from '../../runtime/http/routes.ts';
import { startSession } from '../auth/index.ts';
import { limitSignIn } from '../auth/rate-limit.ts';
import { findUserById, toUser } from '../auth/users.ts';
import type { ControlPlaneDeps } from '../deps.ts';
import { resolveOwner } from './accounts.ts';
import { createDiscovery } from './discovery.ts';
import {
  invalidHandoff,
  invalidState,
  issuerMismatch,
  missingCode,
  oidcNotConfigured,
  providerDenied,
} from './errors.ts';
import { handoffUrl, issueHandoff, redeemHandoff } from './handoff.ts';
import { createIdTokenVerifier } from './id-token.ts';
import { consumePendingLogin, newLogin, PENDING_LOGIN_TTL_MS, savePendingLogin } from './pending-login.ts';
import { CallbackQuery, HandoffExchange, OidcSession, StartQuery } from './schemas.ts';
import { exchangeCode } from './token-exchange.ts';

// Binds the callback to the browser that started the sign-in, so an attacker cannot send a
// victim a callback URL carrying the attacker's own code (login CSRF). SameSite=Lax still
// rides the provider's top-level redirect back to us.
const STATE_COOKIE = 'cs_oidc_state';
const STATE_COOKIE_PATH = '/api/auth/google';
const SCOPE = 'openid email profile';
const DEFAULT_RETURN_TO = '/';
// OAuth error codes are short ASCII tokens (RFC 6749 §4.1.2.1); anything else is not echoed.
const OAUTH_ERROR_CODE = /^[a-z_]{1,64}$/;

export function oidcRoutes(deps: ControlPlaneDeps): Route[] {
  const { config, redis, logger } = deps;
  const { clientId, clientSecret, issuer } = config.oidc;
  const redirectUri = `${config.publicUrl.replace(/\/+$/, '')}/api/auth/google/callback`;
  const secureCookie = new URL(config.publicUrl).protocol === 'https:';
  // Built per control plane, not at import: nothing is fetched until the first sign-in.
  const discover = createDiscovery({ issuer, logger, now: deps.now });
  const verifyIdToken = createIdTokenVerifier({ clientId: clientId ?? '', logger, now: deps.now });

  const client = () => {
    if (!clientId || !clientSecret) throw oidcNotConfigured();
    return { clientId, clientSecret };
  };

  const start = defineRoute(
    {
      method: 'get',
      path: '/api/auth/google',
      summary: 'Start sign-in with Google (OpenID Connect code flow with PKCE): redirects to the provider',
      tag: 'auth',
      security: 'none',
      query: StartQuery,
      responses: {
        302: { description: "Redirect to the provider's authorization endpoint" },
        400: ErrorResponse,
        404: ErrorResponse,
        429: ErrorResponse,
        502: ErrorResponse,
      },
    },
    async (c, { query }) => {
      const { clientId: id } = client();
      // Each start writes a Redis record; the sign-in limit keeps that from being a flood.
      await limitSignIn(redis, config.rateLimit.loginPerMinute, { ip: clientIp(c, config.trustProxy) });
      const metadata = await discover();
      const login = newLogin(query.returnTo ?? DEFAULT_RETURN_TO, deps.now());
      await savePendingLogin(redis, login.state, login.pending);
      setCookie(c, STATE_COOKIE, login.state, {
        path: STATE_COOKIE_PATH,
        httpOnly: true,
        secure: secureCookie,
        sameSite: 'Lax',
        maxAge: PENDING_LOGIN_TTL_MS / 1000,
      });
      const target = new URL(metadata.authorizationEndpoint);
      const params = {
        client_id: id,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: SCOPE,
        state: login.state,
        nonce: login.pending.nonce,
        code_challenge: login.codeChallenge,
        code_challenge_method: 'S256',
      };
      for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
      c.header('cache-control', 'no-store');
      return c.redirect(target.toString(), 302);
    },
  );

  const callback = defineRoute(
    {
      method: 'get',
      path: '/api/auth/google/callback',
      summary: "The provider's redirect back: verifies the sign-in and hands the browser a one-time code",
      tag: 'auth',
      security: 'none',
      query: CallbackQuery,
      responses: {
        302: {
          description: 'Signed in: redirect to the app with a one-time handoff code in the URL fragment',
        },
        400: ErrorResponse,
        403: ErrorResponse,
        404: ErrorResponse,
        502: ErrorResponse,
      },
    },
    async (c, { query }) => {
      const secrets = client();
      c.header('cache-control', 'no-store');
      if (!query.state || !sameValue(getCookie(c, STATE_COOKIE), query.state)) throw invalidState();
      const pending = await consumePendingLogin(redis, query.state);
      if (!pending) throw invalidState();
      // The state is used up from here on, whatever happens next.
      deleteCookie(c, STATE_COOKIE, { path: STATE_COOKIE_PATH, secure: secureCookie });
      if (query.error) throw providerDenied(OAUTH_ERROR_CODE.test(query.error) ? query.error : 'error');
      // RFC 9207: when the provider names itself, it must be the one we sent the user to.
      if (query.iss !== undefined && query.iss !== issuer) throw issuerMismatch();
      if (!query.code) throw missingCode();

      const metadata = await discover();
      const idToken = await exchangeCode(
        metadata,
        { code: query.code, codeVerifier: pending.codeVerifier, redirectUri, ...secrets },
        logger,
      );
      const identity = await verifyIdToken(idToken, metadata, pending.nonce);
      const owner = await resolveOwner(deps, identity, clientIp(c, config.trustProxy));
      logger.info({ userId: owner.userId, outcome: owner.outcome }, 'oidc sign-in');
      const handoff = await issueHandoff(redis, { userId: owner.userId, returnTo: pending.returnTo });
      return c.redirect(handoffUrl(config.publicUrl, handoff), 302);
    },
  );

  const session = defineRoute(
    {
      method: 'post',
      path: '/api/auth/google/session',
      summary: 'Exchange the one-time handoff code from the sign-in redirect for session tokens',
      tag: 'auth',
      security: 'none',
      body: HandoffExchange,
      responses: {
        200: { description: 'Signed in', schema: OidcSession },
        400: ErrorResponse,
        404: ErrorResponse,
      },
    },
    async (c, { body }) => {
      client();
      const handoff = await redeemHandoff(redis, body.handoff);
      if (!handoff) throw invalidHandoff();
      const user = await findUserById(deps.postgres, handoff.userId);
      if (!user) throw invalidHandoff();
      const tokens = await startSession(deps, user.id, clientInfo(c, config.trustProxy));
      c.header('cache-control', 'no-store');
      return c.json({ ...tokens, user: toUser(user), returnTo: handoff.returnTo });
    },
  );

  return [start, callback, session];
}

const clientInfo = (c: Context, trustProxy: boolean) => ({
  ip: clientIp(c, trustProxy),
  userAgent: c.req.header('user-agent'),
});

function sameValue(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
