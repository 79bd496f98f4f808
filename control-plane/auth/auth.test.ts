import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, TEST_PASSWORD } from '../testing/harness.ts';
import { JWT_AUDIENCE, JWT_ISSUER } from './sessions.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness('embedded', { RATE_LIMIT_LOGIN_PER_MINUTE: '1000' });
});
afterAll(() => h.close());

const json = async <T = Record<string, unknown>>(response: Response) => (await response.json()) as T;
const errorCode = async (response: Response) =>
  (await json<{ error: { code: string } }>(response)).error.code;

describe('register', () => {
  it('creates the owner, a first app, and both keys shown once, ready to use', async () => {
    const email = `Reg.${Date.now()}@Example.com`;
    const response = await h.request('POST', '/api/auth/register', {
      body: { email, password: TEST_PASSWORD },
    });
    expect(response.status).toBe(201);
    const body = await json<{
      accessToken: string;
      refreshToken: string;
      tokenType: string;
      expiresIn: number;
      user: { email: string };
      app: { id: string; name: string; timeZone: string; retentionDays: number };
      keys: {
        browser: { key: string; kind: string; scopes: string[] };
        server: { key: string; scopes: string[] };
      };
    }>(response);
    expect(body.tokenType).toBe('Bearer');
    expect(body.expiresIn).toBe(900);
    expect(body.user.email).toBe(email);
    expect(body.app).toMatchObject({ name: 'My first app', timeZone: 'UTC', retentionDays: 365 });
    expect(body.keys.browser.key).toMatch(/^cs_pk_/);
    expect(body.keys.browser.scopes).toEqual(['ingest']);
    expect(body.keys.server.key).toMatch(/^cs_sk_/);
    expect(body.keys.server.scopes).toEqual(['ingest', 'read']);

    const me = await h.request('GET', '/api/auth/me', { token: body.accessToken });
    expect(me.status).toBe(200);
    expect((await json<{ email: string }>(me)).email).toBe(email);
    const keys = await json<{ keys: { appId: string; display: string }[] }>(
      await h.request('GET', `/api/keys?appId=${body.app.id}`, { token: body.accessToken }),
    );
    expect(keys.keys).toHaveLength(2);
    expect(JSON.stringify(keys)).not.toContain(body.keys.server.key);
  });

  it('refuses a second account for the same email in another case', async () => {
    const email = `dup.${Date.now()}@example.com`;
    await h.register(email);
    const again = await h.request('POST', '/api/auth/register', {
      body: { email: email.toUpperCase(), password: TEST_PASSWORD },
    });
    expect(again.status).toBe(409);
    expect(await errorCode(again)).toBe('email_taken');
  });

  it.each([
    ['short', 'password_too_short'],
    ['aaaaaaaaaaaaaaaa', 'password_too_weak'],
    ['password123456', 'password_too_weak'],
  ])('rejects the weak password %j with %s', async (password, code) => {
    const response = await h.request('POST', '/api/auth/register', {
      body: { email: `weak.${Math.random()}@example.com`, password },
    });
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe(code);
  });

  it('rejects malformed input with a field list', async () => {
    const response = await h.request('POST', '/api/auth/register', {
      body: { email: 'not-an-email', password: TEST_PASSWORD, admin: true },
    });
    expect(response.status).toBe(400);
    const body = await json<{ error: { code: string; details: { field: string }[] } }>(response);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details.map((d) => d.field).sort()).toEqual(['body.admin', 'body.email']);
  });
});

describe('login, refresh, logout', () => {
  it('signs in, rotates refresh tokens, and revokes at logout at once', async () => {
    const owner = await h.register();
    const wrong = await h.request('POST', '/api/auth/login', {
      body: { email: owner.user.email, password: 'not the password at all' },
    });
    expect(wrong.status).toBe(401);
    expect(await errorCode(wrong)).toBe('invalid_credentials');
    const unknown = await h.request('POST', '/api/auth/login', {
      body: { email: `nobody.${Date.now()}@example.com`, password: TEST_PASSWORD },
    });
    expect(unknown.status).toBe(401);
    expect(await errorCode(unknown)).toBe('invalid_credentials');

    const login = await json<{ accessToken: string; refreshToken: string }>(
      await h.request('POST', '/api/auth/login', {
        body: { email: owner.user.email, password: TEST_PASSWORD },
      }),
    );
    const refreshed = await h.request('POST', '/api/auth/refresh', {
      body: { refreshToken: login.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    const next = await json<{ accessToken: string; refreshToken: string }>(refreshed);
    expect(next.refreshToken).not.toBe(login.refreshToken);
    const reused = await h.request('POST', '/api/auth/refresh', {
      body: { refreshToken: login.refreshToken },
    });
    expect(reused.status).toBe(401);

    expect((await h.request('GET', '/api/auth/me', { token: next.accessToken })).status).toBe(200);
    expect((await h.request('POST', '/api/auth/logout', { token: next.accessToken })).status).toBe(204);
    const after = await h.request('GET', '/api/auth/me', { token: next.accessToken });
    expect(after.status).toBe(401);
    expect(await errorCode(after)).toBe('invalid_token');
    // The refresh token of a signed-out session is dead too.
    expect(
      (await h.request('POST', '/api/auth/refresh', { body: { refreshToken: next.refreshToken } })).status,
    ).toBe(401);
    // Other sessions of the same owner are untouched.
    expect((await h.request('GET', '/api/auth/me', { token: owner.accessToken })).status).toBe(200);
  });
});

describe('JWT attacks', () => {
  let owner: Awaited<ReturnType<Harness['register']>>;
  let sid: string;
  const secret = () => new TextEncoder().encode(h.deps.config.jwtSecret);
  const claims = () => ({ sid });

  beforeAll(async () => {
    owner = await h.register();
    const payload = JSON.parse(
      Buffer.from(owner.accessToken.split('.')[1] as string, 'base64url').toString(),
    );
    sid = payload.sid;
  });

  const sign = (alg: string, key: Uint8Array | CryptoKey, edit: (jwt: SignJWT) => SignJWT = (j) => j) =>
    edit(
      new SignJWT(claims())
        .setProtectedHeader({ alg })
        .setSubject(owner.user.id)
        .setIssuer(JWT_ISSUER)
        .setAudience(JWT_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('10m'),
    ).sign(key);

  it('accepts a correctly made token (the control for the cases below)', async () => {
    const token = await sign('HS256', secret());
    expect((await h.request('GET', '/api/auth/me', { token })).status).toBe(200);
  });

  it.each([
    [
      'alg none',
      async () =>
        new UnsecuredJWT(claims())
          .setSubject(owner.user.id)
          .setIssuer(JWT_ISSUER)
          .setAudience(JWT_AUDIENCE)
          .setIssuedAt()
          .setExpirationTime('10m')
          .encode(),
    ],
    [
      'another key',
      async () => sign('HS256', new TextEncoder().encode('another-secret-another-secret-another')),
    ],
    ['another HMAC algorithm, same key', async () => sign('HS512', secret())],
    ['an RSA key', async () => sign('RS256', (await generateKeyPair('RS256')).privateKey)],
    [
      'expired',
      async () =>
        sign('HS256', secret(), (j) =>
          j
            .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
            .setExpirationTime(Math.floor(Date.now() / 1000) - 60),
        ),
    ],
    ['wrong issuer', async () => sign('HS256', secret(), (j) => j.setIssuer('someone-else'))],
    ['wrong audience', async () => sign('HS256', secret(), (j) => j.setAudience('other-api'))],
    [
      'no expiry',
      async () =>
        new SignJWT(claims())
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(owner.user.id)
          .setIssuer(JWT_ISSUER)
          .setAudience(JWT_AUDIENCE)
          .setIssuedAt()
          .sign(secret()),
    ],
    [
      'a forged session id',
      async () =>
        new SignJWT({ sid: '00000000-0000-4000-8000-000000000000' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(owner.user.id)
          .setIssuer(JWT_ISSUER)
          .setAudience(JWT_AUDIENCE)
          .setIssuedAt()
          .setExpirationTime('10m')
          .sign(secret()),
    ],
    ['garbage', async () => 'not.a.jwt'],
  ])('answers 401 for %s', async (_name, make) => {
    const response = await h.request('GET', '/api/auth/me', { token: await make() });
    expect(response.status).toBe(401);
    expect(['invalid_token', 'token_expired']).toContain(await errorCode(response));
  });

  it('expires access tokens after 15 minutes', async () => {
    const fresh = await h.register();
    h.advance(16 * 60 * 1000);
    try {
      const response = await h.request('GET', '/api/auth/me', { token: fresh.accessToken });
      expect(response.status).toBe(401);
      expect(await errorCode(response)).toBe('token_expired');
    } finally {
      h.advance(-16 * 60 * 1000);
    }
  });

  it('requires a bearer token at all', async () => {
    const response = await h.request('GET', '/api/apps');
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe('missing_token');
  });
});

describe('sign-in rate limits', () => {
  it('limits attempts per account and answers 429 with Retry-After', async () => {
    const limited = await createHarness('embedded', { RATE_LIMIT_LOGIN_PER_MINUTE: '3' });
    try {
      const email = `limited.${Date.now()}@example.com`;
      const attempt = (ip: string) =>
        limited.request('POST', '/api/auth/login', {
          body: { email, password: 'wrong password here' },
          headers: { 'x-forwarded-for': ip },
        });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await attempt(`10.0.0.${i}`)).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
      const blocked = await attempt('10.0.0.99');
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await errorCode(blocked)).toBe('too_many_attempts');
    } finally {
      await limited.close();
    }
  });

  it('fails closed when the limiter cannot be reached', async () => {
    const broken = await createHarness('embedded', {}, { redisUrl: 'redis://127.0.0.1:1' });
    try {
      const response = await broken.request('POST', '/api/auth/login', {
        body: { email: 'anyone@example.com', password: TEST_PASSWORD },
      });
      expect(response.status).toBe(503);
      expect(await errorCode(response)).toBe('rate_limiter_unavailable');
    } finally {
      await broken.close();
    }
  });
});

describe('security headers and CORS', () => {
  it('sets a strict policy on every response, HSTS only over HTTPS', async () => {
    const response = await h.request('GET', '/api/auth/me');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('strict-transport-security')).toBeNull();
    const secure = await h.app.request('https://cp.example.com/api/auth/me');
    expect(secure.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
  });

  it('allows cross-origin API calls only from configured origins', async () => {
    const cors = await createHarness('embedded', { CORS_ORIGINS: 'https://console.example.com' });
    try {
      const preflight = (origin: string) =>
        cors.app.request('/api/apps', {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST' },
        });
      expect(
        (await preflight('https://console.example.com')).headers.get('access-control-allow-origin'),
      ).toBe('https://console.example.com');
      expect(
        (await preflight('https://evil.example.com')).headers.get('access-control-allow-origin'),
      ).toBeNull();
    } finally {
      await cors.close();
    }
  });
});
