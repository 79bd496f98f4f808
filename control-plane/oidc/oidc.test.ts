// Sign-in with OpenID Connect against a real provider (node-oidc-provider) on 127.0.0.1: the test
// plays the browser, following the provider's redirects with a cookie jar, and finishes the
// provider's login step by HTTP through its interaction API (no HTML, no browser).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Account, type Configuration } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { uniqueId } from '../../runtime/testing/services.ts';
import { createControlPlane } from '../index.ts';
import { KEY_RECORD_PREFIX } from '../keys/index.ts';
import { createHarness, type Harness, TEST_PASSWORD } from '../testing/harness.ts';
import { pendingLoginKey } from './index.ts';

const CLIENT_ID = 'clickstream-test';
const CLIENT_SECRET = `oidc-test-secret-${randomBytes(16).toString('hex')}`;
// Nothing listens here: the control plane runs in-process and the test carries the redirect.
const PUBLIC_URL = 'http://localhost:3999';
const CALLBACK_URL = `${PUBLIC_URL}/api/auth/google/callback`;
const HANDOFF_PREFIX = `${PUBLIC_URL}/#/auth/callback?handoff=`;
// Authorization codes are short-lived at real providers (Google: minutes); the expiry test
// moves the clock past this.
const CODE_TTL_SECONDS = 60;
// Sessions, grants and tokens at the provider only need to outlive the test run.
const PROVIDER_ARTIFACT_TTL_SECONDS = 600;
// A browser never needs this many hops between the provider and our callback.
const MAX_REDIRECTS = 10;

interface TestAccount {
  sub: string;
  email: string;
  emailVerified: boolean;
  name?: string;
  /** Provider answers access_denied instead of signing in. */
  deny?: boolean;
}

interface Authorized {
  state: string;
  /** The Cookie header the browser sends to our callback (the state binding). */
  cookie: string;
  /** Path and query of the provider's redirect to our callback. */
  callbackPath: string;
  /** The authorization URL our start route redirected to. */
  authorizeUrl: URL;
}

interface SignedIn {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string };
  returnTo: string;
}

let provider: Provider;
let providerServer: Server;
let issuer: string;
let harness: Harness;
let currentAccount: TestAccount | undefined;
const accounts = new Map<string, TestAccount>();
/** Every secret or one-time value the flow produced: none may appear in the logs. */
const secretsSeen = new Set<string>([CLIENT_SECRET]);

beforeAll(async () => {
  providerServer = createServer();
  await new Promise<void>((resolve) => providerServer.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(providerServer.address() as AddressInfo).port}`;
  provider = new Provider(issuer, await providerConfiguration());
  const handle = provider.callback();
  providerServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      finishInteraction(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    handle(req, res);
  });
  harness = await createHarness('embedded', {
    OIDC_ISSUER: issuer,
    GOOGLE_CLIENT_ID: CLIENT_ID,
    GOOGLE_CLIENT_SECRET: CLIENT_SECRET,
    PUBLIC_URL,
  });
});

afterAll(async () => {
  await harness?.close();
  providerServer?.closeAllConnections();
  await new Promise((resolve) => providerServer?.close(resolve));
});

async function providerConfiguration(): Promise<Configuration> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-rs256', alg: 'RS256', use: 'sig' };
  return {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [CALLBACK_URL],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Like Google: the ID token itself carries the email claims, not only the userinfo endpoint.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    // Lifetimes set explicitly so the provider does not warn; all far longer than one test.
    ttl: {
      AuthorizationCode: CODE_TTL_SECONDS,
      AccessToken: PROVIDER_ARTIFACT_TTL_SECONDS,
      IdToken: PROVIDER_ARTIFACT_TTL_SECONDS,
      Interaction: PROVIDER_ARTIFACT_TTL_SECONDS,
      Grant: PROVIDER_ARTIFACT_TTL_SECONDS,
      Session: PROVIDER_ARTIFACT_TTL_SECONDS,
    },
    findAccount: (_ctx, sub): Account | undefined => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: account.email,
          email_verified: account.emailVerified,
          ...(account.name ? { name: account.name } : {}),
        }),
      };
    },
  };
}

/** The provider's login + consent step, decided by the test instead of a person. */
async function finishInteraction(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const interaction = await provider.interactionDetails(req, res);
  const account = currentAccount;
  if (!account || account.deny) {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The user declined' },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  accounts.set(account.sub, account);
  const grant = new provider.Grant({
    accountId: account.sub,
    clientId: String(interaction.params.client_id),
  });
  grant.addOIDCScope(String(interaction.params.scope));
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: account.sub }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

function newAccount(overrides: Partial<TestAccount> = {}): TestAccount {
  const id = uniqueId('g');
  return {
    sub: `sub-${id}`,
    email: `${id}@example.com`,
    emailVerified: true,
    name: 'Ada Example',
    ...overrides,
  };
}

/** A fresh "browser": start at our route, sign in at the provider, stop at our callback URL. */
async function authorize(account: TestAccount, query = ''): Promise<Authorized> {
  currentAccount = account;
  const start = await harness.request('GET', `/api/auth/google${query}`);
  expect(start.status).toBe(302);
  const authorizeUrl = new URL(start.headers.get('location') ?? '');
  const state = authorizeUrl.searchParams.get('state') ?? '';
  const stateCookie = start.headers
    .getSetCookie()
    .map((line) => line.split(';')[0] ?? '')
    .find((pair) => pair.startsWith('cs_oidc_state='));
  expect(stateCookie).toBe(`cs_oidc_state=${state}`);

  const jar = new Map<string, string>();
  let url = authorizeUrl.toString();
  for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
    if (url.startsWith(CALLBACK_URL)) {
      const target = new URL(url);
      return {
        state,
        cookie: stateCookie ?? '',
        callbackPath: target.pathname + target.search,
        authorizeUrl,
      };
    }
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const split = pair.indexOf('=');
      const name = pair.slice(0, split);
      const value = pair.slice(split + 1);
      const expired = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (expired || value === '') jar.delete(name.trim());
      else jar.set(name.trim(), value);
    }
    const location = response.headers.get('location');
    await response.body?.cancel();
    if (!location) throw new Error(`provider stopped at ${response.status} without a redirect`);
    url = new URL(location, url).toString();
  }
  throw new Error('too many redirects at the provider');
}

function callback(authorized: Pick<Authorized, 'callbackPath' | 'cookie'>): Promise<Response> {
  return Promise.resolve(
    harness.app.request(authorized.callbackPath, { headers: { cookie: authorized.cookie } }),
  );
}

/** The SPA's half: take the handoff code from the fragment and exchange it for tokens. */
async function redeem(response: Response): Promise<SignedIn> {
  expect(response.status).toBe(302);
  const location = response.headers.get('location') ?? '';
  expect(location.startsWith(HANDOFF_PREFIX)).toBe(true);
  const handoff = decodeURIComponent(location.slice(HANDOFF_PREFIX.length));
  secretsSeen.add(handoff);
  const exchanged = await harness.request('POST', '/api/auth/google/session', { body: { handoff } });
  expect(exchanged.status).toBe(200);
  const session = (await exchanged.json()) as SignedIn;
  secretsSeen.add(session.accessToken);
  secretsSeen.add(session.refreshToken);
  return session;
}

async function signIn(account: TestAccount, query = ''): Promise<SignedIn> {
  const authorized = await authorize(account, query);
  secretsSeen.add(new URL(authorized.callbackPath, PUBLIC_URL).searchParams.get('code') ?? '');
  return redeem(await callback(authorized));
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await harness.deps.postgres.query<{ n: number }>(`SELECT (${sql})::int AS n`, params);
  return rows[0]?.n ?? -1;
}

const sessions = () => count('SELECT count(*) FROM sessions');
const users = () => count('SELECT count(*) FROM users');

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, code: body.error.code, message: body.error.message };
}

/** Rewrite the pending login the start route stored for this state. */
async function tamperPending(
  state: string,
  change: (record: Record<string, unknown>) => void,
): Promise<void> {
  const key = pendingLoginKey(state);
  const record = JSON.parse((await harness.deps.redis.get(key)) ?? 'null') as Record<string, unknown>;
  change(record);
  await harness.deps.redis.set(key, JSON.stringify(record), 60_000);
}

describe('GET /api/auth/google', () => {
  it('redirects to the provider with PKCE (S256), state and nonce, keeping the secrets server side', async () => {
    const start = await harness.request('GET', '/api/auth/google?returnTo=/apps');
    expect(start.status).toBe(302);
    expect(start.headers.get('cache-control')).toBe('no-store');
    const target = new URL(start.headers.get('location') ?? '');
    expect(`${target.origin}${target.pathname}`).toBe(`${issuer}/auth`);
    const params = Object.fromEntries(target.searchParams);
    expect(params).toMatchObject({
      client_id: CLIENT_ID,
      redirect_uri: CALLBACK_URL,
      response_type: 'code',
      scope: 'openid email profile',
      code_challenge_method: 'S256',
    });
    const stored = JSON.parse((await harness.deps.redis.get(pendingLoginKey(params.state ?? ''))) ?? '{}');
    expect(stored).toMatchObject({ nonce: params.nonce, returnTo: '/apps' });
    const challenge = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(stored.codeVerifier));
    expect(Buffer.from(challenge).toString('base64url')).toBe(params.code_challenge);
    expect(target.search).not.toContain(stored.codeVerifier);
    const cookie = start.headers.getSetCookie().join('\n');
    expect(cookie).toMatch(
      /cs_oidc_state=[^;]+; Max-Age=600; Path=\/api\/auth\/google; HttpOnly; SameSite=Lax/,
    );
  });

  it('refuses a returnTo that is not an app route', async () => {
    const response = await harness.request('GET', '/api/auth/google?returnTo=//evil.example/x');
    expect(response.status).toBe(400);
  });

  it('answers 404 oidc_not_configured when GOOGLE_CLIENT_ID is unset', async () => {
    const config = { ...harness.deps.config, oidc: { ...harness.deps.config.oidc, clientId: undefined } };
    const plane = createControlPlane({ ...harness.deps, config });
    for (const path of ['/api/auth/google', '/api/auth/google/callback?code=x&state=y']) {
      expect(await errorOf(await plane.app.request(path))).toMatchObject({
        status: 404,
        code: 'oidc_not_configured',
      });
    }
  });

  it('answers 502 oidc_unavailable when the provider cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const config = {
      ...harness.deps.config,
      oidc: { ...harness.deps.config.oidc, issuer: `http://127.0.0.1:${port}` },
    };
    const plane = createControlPlane({ ...harness.deps, config });
    expect(await errorOf(await plane.app.request('/api/auth/google'))).toMatchObject({
      status: 502,
      code: 'oidc_unavailable',
    });
  });

  it('documents the sign-in routes in OpenAPI', () => {
    const paths = harness.plane.openApi().paths as Record<string, Record<string, unknown>>;
    expect(paths['/api/auth/google']?.get).toBeDefined();
    expect(paths['/api/auth/google/callback']?.get).toBeDefined();
    expect(paths['/api/auth/google/session']?.post).toBeDefined();
  });
});

describe('sign-in through the provider', () => {
  it('creates a new owner with a first app and keys; the tokens work', async () => {
    const account = newAccount();
    const before = await sessions();
    const authorized = await authorize(account, '?returnTo=/apps');
    const response = await callback(authorized);
    const location = response.headers.get('location') ?? '';
    // Tokens never travel in the redirect, only a one-time code in the fragment.
    expect(location).not.toMatch(/access|refresh|token/i);
    expect(new URL(location).search).toBe('');
    const session = await redeem(response);
    expect(session.returnTo).toBe('/apps');
    expect(session.user.email).toBe(account.email);
    expect(await sessions()).toBe(before + 1);

    const me = await harness.request('GET', '/api/auth/me', { token: session.accessToken });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: session.user.id, email: account.email, name: 'Ada Example' });

    const { rows } = await harness.deps.postgres.query<{ password_hash: string | null }>(
      'SELECT password_hash FROM users WHERE id = $1',
      [session.user.id],
    );
    expect(rows).toEqual([{ password_hash: null }]);
    const identity = await harness.deps.postgres.query(
      'SELECT provider, subject, email, email_verified FROM identities WHERE user_id = $1',
      [session.user.id],
    );
    expect(identity.rows).toEqual([
      { provider: issuer, subject: account.sub, email: account.email, email_verified: true },
    ]);
    expect(await count('SELECT count(*) FROM apps WHERE owner_id = $1', [session.user.id])).toBe(1);
    const keys = await harness.deps.postgres.query<{ key_hmac: string }>(
      'SELECT k.key_hmac FROM api_keys k JOIN apps a ON a.id = k.app_id WHERE a.owner_id = $1',
      [session.user.id],
    );
    expect(keys.rows).toHaveLength(2);
    for (const { key_hmac } of keys.rows) {
      expect(await harness.deps.redis.get(KEY_RECORD_PREFIX + key_hmac)).not.toBeNull();
    }
  });

  it('signs the same subject in to the same owner, without a second app', async () => {
    const account = newAccount();
    const first = await signIn(account);
    const second = await signIn({ ...account, email: `changed-${account.email}` });
    expect(second.user.id).toBe(first.user.id);
    expect(await count('SELECT count(*) FROM apps WHERE owner_id = $1', [first.user.id])).toBe(1);
    expect(await count('SELECT count(*) FROM identities WHERE subject = $1', [account.sub])).toBe(1);
  });

  it('links a verified email to an owner who signs in through providers only', async () => {
    const first = newAccount();
    const owner = await signIn(first);
    // Another provider subject (e.g. a second provider) vouching for the same address.
    const second = newAccount({ email: first.email.toUpperCase() });
    const session = await signIn(second);
    expect(session.user.id).toBe(owner.user.id);
    expect(await count('SELECT count(*) FROM apps WHERE owner_id = $1', [owner.user.id])).toBe(1);
    expect(await count('SELECT count(*) FROM identities WHERE user_id = $1', [owner.user.id])).toBe(2);
  });

  it('never links a verified email to a password owner (sign-up does not prove the address)', async () => {
    const registered = await harness.register();
    const account = newAccount({ email: registered.user.email.toUpperCase() });
    const [usersBefore, sessionsBefore] = [await users(), await sessions()];
    const response = await callback(await authorize(account));
    expect(await errorOf(response)).toMatchObject({ status: 409, code: 'email_has_password' });
    expect(await users()).toBe(usersBefore);
    expect(await sessions()).toBe(sessionsBefore);
    expect(await count('SELECT count(*) FROM identities WHERE subject = $1', [account.sub])).toBe(0);
    const login = await harness.request('POST', '/api/auth/login', {
      body: { email: registered.user.email, password: TEST_PASSWORD },
    });
    expect(login.status).toBe(200);
  });

  it('refuses an unverified email: no link to an existing owner, no new owner, no session', async () => {
    const registered = await harness.register();
    for (const email of [registered.user.email, `${uniqueId('fresh')}@example.com`]) {
      const account = newAccount({ email, emailVerified: false });
      const [usersBefore, sessionsBefore] = [await users(), await sessions()];
      const response = await callback(await authorize(account));
      expect(await errorOf(response)).toMatchObject({ status: 403, code: 'email_not_verified' });
      expect(await users()).toBe(usersBefore);
      expect(await sessions()).toBe(sessionsBefore);
      expect(await count('SELECT count(*) FROM identities WHERE subject = $1', [account.sub])).toBe(0);
    }
  });

  it('reports a sign-in the user declined at the provider', async () => {
    const authorized = await authorize(newAccount({ deny: true }));
    expect(await errorOf(await callback(authorized))).toMatchObject({ status: 400, code: 'oidc_denied' });
    // The declined attempt's state is used up too.
    expect(await errorOf(await callback(authorized))).toMatchObject({ status: 400, code: 'invalid_state' });
  });

  it('a handoff code works once', async () => {
    const response = await callback(await authorize(newAccount()));
    const location = response.headers.get('location') ?? '';
    const handoff = decodeURIComponent(location.slice(HANDOFF_PREFIX.length));
    secretsSeen.add(handoff);
    const first = await harness.request('POST', '/api/auth/google/session', { body: { handoff } });
    expect(first.status).toBe(200);
    const again = await harness.request('POST', '/api/auth/google/session', { body: { handoff } });
    expect(await errorOf(again)).toMatchObject({ status: 400, code: 'invalid_handoff' });
  });
});

describe('rejected callbacks create no session', () => {
  it('rejects a missing or unknown state', async () => {
    const before = await sessions();
    const unknown = randomBytes(32).toString('base64url');
    const cases = [
      { callbackPath: '/api/auth/google/callback?code=abc', cookie: '' },
      {
        callbackPath: `/api/auth/google/callback?code=abc&state=${unknown}`,
        cookie: `cs_oidc_state=${unknown}`,
      },
    ];
    for (const bad of cases) {
      expect(await errorOf(await callback(bad))).toMatchObject({ status: 400, code: 'invalid_state' });
    }
    expect(await sessions()).toBe(before);
  });

  it('rejects a callback from a browser that did not start the sign-in (login CSRF)', async () => {
    const authorized = await authorize(newAccount());
    const before = await sessions();
    const elsewhere = await callback({ ...authorized, cookie: '' });
    expect(await errorOf(elsewhere)).toMatchObject({ status: 400, code: 'invalid_state' });
    expect(await sessions()).toBe(before);
    // The rightful browser can still finish.
    await redeem(await callback(authorized));
  });

  it('rejects a replayed state, even when two callbacks race', async () => {
    const authorized = await authorize(newAccount());
    const [a, b] = await Promise.all([callback(authorized), callback(authorized)]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([302, 400]);
    const loser = a.status === 400 ? a : b;
    expect(await errorOf(loser)).toMatchObject({ code: 'invalid_state' });
    await redeem(a.status === 302 ? a : b);
    const before = await sessions();
    expect(await errorOf(await callback(authorized))).toMatchObject({ status: 400, code: 'invalid_state' });
    expect(await sessions()).toBe(before);
  });

  it('rejects an ID token whose nonce is not the stored one', async () => {
    const account = newAccount();
    const authorized = await authorize(account);
    await tamperPending(authorized.state, (record) => {
      record.nonce = randomBytes(32).toString('base64url');
    });
    const [usersBefore, sessionsBefore] = [await users(), await sessions()];
    expect(await errorOf(await callback(authorized))).toMatchObject({ status: 400, code: 'invalid_nonce' });
    expect(await users()).toBe(usersBefore);
    expect(await sessions()).toBe(sessionsBefore);
  });

  it('fails the exchange when the PKCE verifier is wrong, and refuses a pending login without one', async () => {
    const wrong = await authorize(newAccount());
    await tamperPending(wrong.state, (record) => {
      record.codeVerifier = randomBytes(32).toString('base64url');
    });
    const missing = await authorize(newAccount());
    await tamperPending(missing.state, (record) => {
      delete record.codeVerifier;
    });
    const before = await sessions();
    const rejected = await errorOf(await callback(wrong));
    expect(rejected).toMatchObject({ status: 400, code: 'oidc_exchange_failed' });
    expect(rejected.message).not.toMatch(/pkce|invalid_grant|verifier/i);
    expect(await errorOf(await callback(missing))).toMatchObject({ status: 400, code: 'invalid_state' });
    expect(await sessions()).toBe(before);
  });

  it('fails the exchange of an expired authorization code', async () => {
    const authorized = await authorize(newAccount());
    const before = await sessions();
    // Move the wall clock (and with it the provider's) past the code's lifetime; only Date is
    // faked, so sockets and timers keep running.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + (CODE_TTL_SECONDS + 1) * 1000);
      expect(await errorOf(await callback(authorized))).toMatchObject({
        status: 400,
        code: 'oidc_exchange_failed',
      });
    } finally {
      vi.useRealTimers();
    }
    expect(await sessions()).toBe(before);
  });
});

describe('logs', () => {
  it('never contain the client secret, codes or tokens', () => {
    const logs = harness.logs();
    expect(logs).toContain('oidc sign-in');
    for (const secret of secretsSeen) {
      if (secret) expect(logs).not.toContain(secret);
    }
  });
});
