// Owner A's token against every one of owner B's resources, on every owner route and method:
// 404 every time, and B's data unchanged afterwards. Routes are taken from the control plane
// itself, so a new owner route without an entry below fails this test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type Registered } from './testing/harness.ts';

let h: Harness;
let a: Registered;
let b: Registered;
let bConfigId: string;

beforeAll(async () => {
  h = await createHarness('embedded');
  a = await h.register();
  b = await h.register();
  const config = await h.request('POST', '/api/metric-configs', {
    token: b.accessToken,
    body: { appId: b.app.id, name: 'checkout_total', type: 'counter', labelNames: ['plan'] },
  });
  expect(config.status).toBe(201);
  bConfigId = ((await config.json()) as { id: string }).id;
});
afterAll(() => h.close());

interface Probe {
  path: string;
  body?: unknown;
}

/** How to aim each owner route at B's resources with a body that passes validation. */
function probes(): Record<string, Probe | 'not-resource-scoped'> {
  return {
    'GET /api/auth/me': 'not-resource-scoped',
    'POST /api/auth/logout': 'not-resource-scoped',
    'POST /api/apps': 'not-resource-scoped',
    'GET /api/apps': 'not-resource-scoped',
    'GET /api/apps/:appId': { path: `/api/apps/${b.app.id}` },
    'PATCH /api/apps/:appId': { path: `/api/apps/${b.app.id}`, body: { name: 'stolen' } },
    'DELETE /api/apps/:appId': { path: `/api/apps/${b.app.id}` },
    'POST /api/keys': { path: '/api/keys', body: { appId: b.app.id, kind: 'server' } },
    'GET /api/keys': { path: `/api/keys?appId=${b.app.id}` },
    'GET /api/keys/:keyId': { path: `/api/keys/${b.keys.server.id}` },
    'POST /api/keys/:keyId/regenerate': { path: `/api/keys/${b.keys.server.id}/regenerate`, body: {} },
    'DELETE /api/keys/:keyId': { path: `/api/keys/${b.keys.server.id}` },
    'GET /api/metric-configs': { path: `/api/metric-configs?appId=${b.app.id}` },
    'POST /api/metric-configs': {
      path: '/api/metric-configs',
      body: { appId: b.app.id, name: 'stolen_total', type: 'counter' },
    },
    'GET /api/metric-configs/:id': { path: `/api/metric-configs/${bConfigId}` },
    'PUT /api/metric-configs/:id': {
      path: `/api/metric-configs/${bConfigId}`,
      body: { appId: b.app.id, name: 'checkout_total', type: 'counter', labelNames: ['stolen'] },
    },
    'DELETE /api/metric-configs/:id': { path: `/api/metric-configs/${bConfigId}` },
    'GET /api/apps/:appId/snippet': { path: `/api/apps/${b.app.id}/snippet` },
  };
}

describe('owner isolation', () => {
  it('answers 404 to owner A on every one of owner B’s resources', async () => {
    const table = probes();
    const ownerRoutes = h.plane.routes.filter((route) => route.meta.security === 'owner');
    expect(ownerRoutes.length).toBeGreaterThan(10);
    const results: string[] = [];
    for (const route of ownerRoutes) {
      const name = `${route.meta.method.toUpperCase()} ${route.meta.path}`;
      const probe = table[name];
      expect(probe, `no isolation probe for ${name}`).toBeDefined();
      if (probe === undefined || probe === 'not-resource-scoped') continue;
      const response = await h.request(route.meta.method.toUpperCase(), probe.path, {
        token: a.accessToken,
        ...(probe.body === undefined ? {} : { body: probe.body }),
      });
      results.push(`${name} -> ${response.status}`);
      if (response.status === 404) {
        const body = (await response.json()) as { error: { code: string } };
        expect(body.error.code).toMatch(/_not_found$/);
      }
    }
    expect(results.filter((line) => !line.endsWith('-> 404'))).toEqual([]);
  });

  it('left owner B’s app, keys and configs untouched', async () => {
    const app = await h.request('GET', `/api/apps/${b.app.id}`, { token: b.accessToken });
    expect(app.status).toBe(200);
    expect(((await app.json()) as { name: string }).name).toBe('My first app');
    const key = await h.request('GET', `/api/keys/${b.keys.server.id}`, { token: b.accessToken });
    expect(((await key.json()) as { status: string }).status).toBe('active');
    const keys = await h.request('GET', `/api/keys?appId=${b.app.id}`, { token: b.accessToken });
    expect(((await keys.json()) as { keys: unknown[] }).keys).toHaveLength(2);
    const config = await h.request('GET', `/api/metric-configs/${bConfigId}`, { token: b.accessToken });
    expect(((await config.json()) as { labelNames: string[] }).labelNames).toEqual(['plan']);
  });

  it('lists only the caller’s own apps and keys', async () => {
    const apps = (await (await h.request('GET', '/api/apps', { token: a.accessToken })).json()) as {
      apps: { id: string }[];
    };
    expect(apps.apps.map((app) => app.id)).toEqual([a.app.id]);
    const keys = (await (await h.request('GET', '/api/keys', { token: a.accessToken })).json()) as {
      keys: { appId: string }[];
    };
    expect(new Set(keys.keys.map((key) => key.appId))).toEqual(new Set([a.app.id]));
  });
});
