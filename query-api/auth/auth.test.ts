// Who may read: an owner's live access token, or a server key with the read scope (X-API-Key or
// a bearer token, as Prometheus sends it). Every other credential is refused with a stable code,
// a key reads only its own app (another app is a plain 404), and each owner has a rate limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../control-plane/keys/key-format.ts';
import type { Registered } from '../../control-plane/testing/harness.ts';
import { type Auth, bearer, openFixture, type QueryApiFixture, qs } from '../testing/index.ts';

let fx: QueryApiFixture;
let a: Registered;
let b: Registered;

beforeAll(async () => {
  fx = await openFixture('auth');
  a = await fx.owner();
  b = await fx.owner();
});
afterAll(() => fx?.close());

const summaryOf = (appId: string) => `/api/analytics/events/summary?${qs({ appId, startDate: '7d' })}`;

async function status(auth: Auth, appId = a.app.id): Promise<[number, string | undefined]> {
  const response = await fx.get(summaryOf(appId), auth);
  const body =
    response.status === 200 ? undefined : ((await response.json()) as { error: { code: string } }).error.code;
  return [response.status, body];
}

async function issueKey(
  owner: Registered,
  body: Record<string, unknown>,
): Promise<{ id: string; key: string }> {
  const response = await fx.harness.request('POST', '/api/keys', {
    token: owner.accessToken,
    body: { appId: owner.app.id, ...body },
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; key: string };
}

describe('query API authentication', () => {
  it('admits an owner token, a read key in X-API-Key and a read key as a bearer token', async () => {
    expect(await status(bearer(a))).toEqual([200, undefined]);
    expect(await status({ apiKey: a.keys.server.key })).toEqual([200, undefined]);
    expect(await status({ token: a.keys.server.key })).toEqual([200, undefined]);
  });

  it.each<[string, () => Auth, number, string]>([
    ['no credentials', () => ({}), 401, 'missing_credentials'],
    ['a forged token', () => ({ token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl' }), 401, 'invalid_token'],
    ['a malformed key', () => ({ apiKey: 'cs_sk_not-a-key' }), 401, 'key_malformed'],
    ['a well-formed unknown key', () => ({ apiKey: generateKey('server') }), 401, 'key_unknown'],
    ['a browser key (ingest only)', () => ({ apiKey: a.keys.browser.key }), 403, 'key_scope'],
  ])('refuses %s', async (_label, auth, code, errorCode) => {
    expect(await status(auth())).toEqual([code, errorCode]);
  });

  it('refuses an ingest-only server key and a revoked key', async () => {
    const ingestOnly = await issueKey(a, { kind: 'server', scopes: ['ingest'] });
    expect(await status({ apiKey: ingestOnly.key })).toEqual([403, 'key_scope']);
    const revoked = await issueKey(a, { kind: 'server' });
    expect(await status({ apiKey: revoked.key })).toEqual([200, undefined]);
    const deleted = await fx.harness.request('DELETE', `/api/keys/${revoked.id}`, { token: a.accessToken });
    expect(deleted.status).toBeLessThan(300);
    expect(await status({ apiKey: revoked.key })).toEqual([401, 'key_revoked']);
  });

  it("answers 404 to a key or an owner asking about someone else's app", async () => {
    expect(await status({ apiKey: a.keys.server.key }, b.app.id)).toEqual([404, 'app_not_found']);
    expect(await status(bearer(a), b.app.id)).toEqual([404, 'app_not_found']);
    expect(await status(bearer(a), '00000000-0000-4000-8000-000000000000')).toEqual([404, 'app_not_found']);
  });

  it('stops a token once its session is logged out', async () => {
    const c = await fx.owner();
    expect(await status(bearer(c), c.app.id)).toEqual([200, undefined]);
    const logout = await fx.harness.request('POST', '/api/auth/logout', { token: c.accessToken });
    expect(logout.status).toBe(204);
    expect(await status(bearer(c), c.app.id)).toEqual([401, 'invalid_token']);
  });

  it('rate limits each owner separately with a Retry-After', async () => {
    const limited = await fx.another({ rateLimit: { perSecond: 1, burst: 3 } });
    const get = (owner: Registered) =>
      limited.app.request(summaryOf(owner.app.id), {
        headers: { authorization: `Bearer ${owner.accessToken}` },
      });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await get(a)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await get(a);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    expect((await get(b)).status).toBe(200);
  });
});
