// Shared by keys.test.ts (embedded stores) and keys.integration.test.ts (real Postgres and Redis).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Postgres } from '../../runtime/postgres/index.ts';
import type { Redis } from '../../runtime/redis/index.ts';
import { createHarness, type Harness, type StoreMode } from '../testing/harness.ts';
import { authenticateKey } from './authenticate.ts';
import { generateKey } from './key-format.ts';
import { subscribeKeyChanges } from './publication.ts';
import { KeyUsageTally } from './usage.ts';

const json = async <T>(response: Response) => (await response.json()) as T;

interface IssuedKeyBody {
  id: string;
  key: string;
  display: string;
  status: string;
  kind: string;
  scopes: string[];
}

export function describeKeyLifecycle(mode: StoreMode, extraChecks?: (h: () => Harness) => void): void {
  describe(`API key lifecycle (${mode} stores)`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(mode);
    });
    afterAll(() => h.close());

    const auth = (raw: string | undefined, scope: 'ingest' | 'read' = 'ingest', origin?: string) =>
      authenticateKey({ ...h.deps, apiKeySecret: h.deps.config.apiKeySecret }, raw, { scope, origin });

    const createKey = async (token: string, body: Record<string, unknown>) => {
      const response = await h.request('POST', '/api/keys', { token, body });
      expect(response.status).toBe(201);
      return json<IssuedKeyBody>(response);
    };

    it('shows the full key once, then only its masked form', async () => {
      const owner = await h.register();
      const created = await createKey(owner.accessToken, {
        appId: owner.app.id,
        kind: 'server',
        name: 'backend',
      });
      expect(created.key).toMatch(/^cs_sk_/);
      expect(created.display).toBe(`${created.key.slice(0, 10)}…${created.key.slice(-4)}`);
      const fetched = await h.request('GET', `/api/keys/${created.id}`, { token: owner.accessToken });
      const text = await fetched.text();
      expect(fetched.status).toBe(200);
      expect(text).not.toContain(created.key);
      expect(JSON.parse(text)).toMatchObject({
        id: created.id,
        status: 'active',
        name: 'backend',
        display: created.display,
      });
      expect(await auth(created.key, 'read')).toMatchObject({
        ok: true,
        record: { appId: owner.app.id, kind: 'server' },
      });
    });

    it('rejects a key with a bad checksum before touching any store', async () => {
      const calls: string[] = [];
      const spy = <T extends object>(target: T, name: string): T =>
        new Proxy(target, {
          get(object, property, receiver) {
            const value = Reflect.get(object, property, receiver);
            if (typeof value !== 'function') return value;
            return (...args: unknown[]) => {
              calls.push(`${name}.${String(property)}`);
              return (value as (...a: unknown[]) => unknown).apply(object, args);
            };
          },
        });
      const deps = {
        redis: spy<Redis>(h.deps.redis, 'redis'),
        postgres: spy<Postgres>(h.deps.postgres, 'postgres'),
        apiKeySecret: h.deps.config.apiKeySecret,
        now: h.deps.now,
      };
      const real = generateKey('server');
      const typo = `${real.slice(0, 20)}${real[20] === 'x' ? 'y' : 'x'}${real.slice(21)}`;
      expect(await authenticateKey(deps, typo, { scope: 'ingest' })).toEqual({
        ok: false,
        code: 'key_checksum',
      });
      expect(await authenticateKey(deps, 'cs_sk_nope', { scope: 'ingest' })).toEqual({
        ok: false,
        code: 'key_malformed',
      });
      expect(calls).toEqual([]);
      // A well-formed but unknown key does reach the stores, and is unknown.
      expect(await authenticateKey(deps, real, { scope: 'ingest' })).toEqual({
        ok: false,
        code: 'key_unknown',
      });
      expect(calls.length).toBeGreaterThan(0);
    });

    it('keeps the old key working through the grace period, and not a moment longer', async () => {
      const owner = await h.register();
      const old = owner.keys.server.key;
      const response = await h.request('POST', `/api/keys/${owner.keys.server.id}/regenerate`, {
        token: owner.accessToken,
        body: { graceSeconds: 3600 },
      });
      expect(response.status).toBe(201);
      const { key, previous } = await json<{
        key: IssuedKeyBody;
        previous: IssuedKeyBody & { expiresAt: string };
      }>(response);
      expect(key.key).not.toBe(old);
      expect(previous.status).toBe('rotating');
      expect(Date.parse(previous.expiresAt) - h.deps.now()).toBeGreaterThan(3590_000);
      expect((await auth(old)).ok).toBe(true);
      expect((await auth(key.key)).ok).toBe(true);
      h.advance(3599_000);
      try {
        expect((await auth(old)).ok).toBe(true);
        h.advance(2_000);
        expect(await auth(old)).toEqual({ ok: false, code: 'key_expired' });
        expect((await auth(key.key)).ok).toBe(true);
      } finally {
        h.advance(-3601_000);
      }
      const again = await h.request('POST', `/api/keys/${owner.keys.server.id}/regenerate`, {
        token: owner.accessToken,
        body: {},
      });
      expect(again.status).toBe(409);
    });

    it('with a zero grace period, the old key dies at once', async () => {
      const owner = await h.register();
      const response = await h.request('POST', `/api/keys/${owner.keys.browser.id}/regenerate`, {
        token: owner.accessToken,
        body: { graceSeconds: 0 },
      });
      expect(response.status).toBe(201);
      expect((await auth(owner.keys.browser.key)).ok).toBe(false);
    });

    it('revokes immediately and tells subscribers in under a second', async () => {
      const owner = await h.register();
      const changes: { hmac: string; at: number }[] = [];
      const unsubscribe = await subscribeKeyChanges(h.deps.redis, (hmac) =>
        changes.push({ hmac, at: Date.now() }),
      );
      try {
        expect((await auth(owner.keys.server.key)).ok).toBe(true);
        const started = Date.now();
        const response = await h.request('DELETE', `/api/keys/${owner.keys.server.id}`, {
          token: owner.accessToken,
        });
        expect(response.status).toBe(200);
        expect((await json<IssuedKeyBody>(response)).status).toBe('revoked');
        expect(await auth(owner.keys.server.key)).toEqual({ ok: false, code: 'key_revoked' });
        const deadline = Date.now() + 1000;
        while (changes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        expect(changes).toHaveLength(1);
        expect((changes[0]?.at ?? Number.POSITIVE_INFINITY) - started).toBeLessThan(1000);
      } finally {
        await unsubscribe();
      }
    });

    it('refuses expired keys, browser keys for reads or foreign origins', async () => {
      const owner = await h.register();
      const inAnHour = new Date(h.deps.now() + 3600_000).toISOString();
      const expiring = await createKey(owner.accessToken, {
        appId: owner.app.id,
        kind: 'server',
        expiresAt: inAnHour,
      });
      expect((await auth(expiring.key)).ok).toBe(true);
      h.advance(3601_000);
      try {
        expect(await auth(expiring.key)).toEqual({ ok: false, code: 'key_expired' });
        // An hour on, the owner's 15-minute access token has expired too: refresh it first.
        const { accessToken } = await json<{ accessToken: string }>(
          await h.request('POST', '/api/auth/refresh', { body: { refreshToken: owner.refreshToken } }),
        );
        const listed = await json<IssuedKeyBody>(
          await h.request('GET', `/api/keys/${expiring.id}`, { token: accessToken }),
        );
        expect(listed.status).toBe('expired');
      } finally {
        h.advance(-3601_000);
      }
      const past = await h.request('POST', '/api/keys', {
        token: owner.accessToken,
        body: { appId: owner.app.id, kind: 'server', expiresAt: new Date(h.deps.now() - 1000).toISOString() },
      });
      expect(past.status).toBe(400);

      const patched = await h.request('PATCH', `/api/apps/${owner.app.id}`, {
        token: owner.accessToken,
        body: { allowedOrigins: ['https://shop.example.com'] },
      });
      expect(patched.status).toBe(200);
      const browser = owner.keys.browser.key;
      expect((await auth(browser, 'ingest', 'https://shop.example.com')).ok).toBe(true);
      expect(await auth(browser, 'ingest', 'https://evil.example.com')).toEqual({
        ok: false,
        code: 'origin_not_allowed',
      });
      expect(await auth(browser, 'read')).toEqual({ ok: false, code: 'key_scope' });
    });

    it('counts usage in aggregate and shows it on the key', async () => {
      const owner = await h.register();
      const tally = new KeyUsageTally();
      const usedAt = h.deps.now();
      for (let i = 0; i < 250; i++) tally.record(owner.keys.server.id, usedAt);
      await tally.flush(h.deps.redis);
      tally.record(owner.keys.server.id, usedAt + 5);
      await tally.flush(h.deps.redis);
      const key = await json<{ requestCount: number; lastUsedAt: string }>(
        await h.request('GET', `/api/keys/${owner.keys.server.id}`, { token: owner.accessToken }),
      );
      expect(key.requestCount).toBe(251);
      expect(Date.parse(key.lastUsedAt)).toBe(usedAt + 5);
    });

    it('audits create, regenerate and revoke with actor, time and IP', async () => {
      const owner = await h.register();
      const headers = { 'x-forwarded-for': '203.0.113.7' };
      const created = await json<IssuedKeyBody>(
        await h.request('POST', '/api/keys', {
          token: owner.accessToken,
          body: { appId: owner.app.id, kind: 'browser' },
          headers,
        }),
      );
      await h.request('POST', `/api/keys/${created.id}/regenerate`, {
        token: owner.accessToken,
        body: {},
        headers,
      });
      await h.request('DELETE', `/api/keys/${created.id}`, { token: owner.accessToken, headers });
      const { rows } = await h.deps.postgres.query<{
        action: string;
        actor_id: string;
        ip: string;
        at: Date;
      }>('SELECT action, actor_id, ip, at FROM audit_log WHERE target_id = $1 ORDER BY id', [created.id]);
      expect(rows.map((r) => r.action)).toEqual(['api_key.create', 'api_key.regenerate', 'api_key.revoke']);
      for (const row of rows) {
        expect(row.actor_id).toBe(owner.user.id);
        expect(row.at).toBeTruthy();
      }
    });

    it('never stores or logs a raw key', async () => {
      const owner = await h.register();
      const created = await createKey(owner.accessToken, { appId: owner.app.id, kind: 'server' });
      const rotated = await json<{ key: IssuedKeyBody }>(
        await h.request('POST', `/api/keys/${created.id}/regenerate`, { token: owner.accessToken, body: {} }),
      );
      await auth(created.key);
      await auth(rotated.key.key);
      const raws = [owner.keys.browser.key, owner.keys.server.key, created.key, rotated.key.key];
      const tables = ['users', 'identities', 'apps', 'api_keys', 'metric_configs', 'sessions', 'audit_log'];
      for (const table of tables) {
        const { rows } = await h.deps.postgres.query(`SELECT * FROM ${table}`);
        const dump = JSON.stringify(rows);
        for (const raw of raws) {
          expect(dump, `${table} holds a raw key`).not.toContain(raw);
          // The random middle alone would betray a key stored without its prefix.
          expect(dump, `${table} holds a key's random part`).not.toContain(raw.slice(6, 36));
        }
      }
      for (const raw of raws) expect(h.logs()).not.toContain(raw);
    });

    extraChecks?.(() => h);
  });
}
