// Owner isolation on every query-API route: owner A's token and A's server key, aimed at owner
// B's app, get the same 404 a missing app gets and none of B's data; B itself gets 200 on the
// same request, so the probe is a real one. Routes come from the API itself: a new route
// without a probe below fails this test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registered } from '../control-plane/testing/harness.ts';
import {
  type Auth,
  bearer,
  generateEvents,
  insertEvents,
  openFixture,
  type QueryApiFixture,
  qs,
} from './testing/index.ts';

const DATA_FROM = Date.UTC(2026, 2, 2);
const DATA_TO = Date.UTC(2026, 2, 9);
const SECRET = 'bsecret-';

let fx: QueryApiFixture;
let a: Registered;
let b: Registered;

beforeAll(async () => {
  fx = await openFixture('isolation');
  a = await fx.owner();
  b = await fx.owner();
  await insertEvents(fx.ch, [
    ...generateEvents({ appId: a.app.id, seed: 111, from: DATA_FROM, to: DATA_TO, visitors: 40 }),
    ...generateEvents({
      appId: b.app.id,
      seed: 112,
      from: DATA_FROM,
      to: DATA_TO,
      visitors: 40,
      marker: SECRET,
    }),
  ]);
  const ts = '2026-03-03 10:00:00.000';
  await fx.ch.insert('metric_samples', [
    {
      app_id: b.app.id,
      name: 'bsecret_total',
      type: 'counter',
      labels: { k: SECRET },
      value: 1,
      ts,
      received_at: ts,
    },
  ]);
});
afterAll(() => fx?.close());

const range = { startDate: '2026-03-02', endDate: '2026-03-08' };

/** Each route aimed at an app's data, with otherwise valid parameters. */
function probe(route: string, appId: string): string | undefined {
  const probes: Record<string, string> = {
    'GET /api/analytics/events/summary': `/api/analytics/events/summary?${qs({ appId, ...range })}`,
    'GET /api/analytics/events/timeline': `/api/analytics/events/timeline?${qs({ appId, interval: 'day', ...range })}`,
    'GET /api/analytics/users/:userId': `/api/analytics/users/${SECRET}user-112-1?${qs({ appId, ...range })}`,
    'GET /api/analytics/apps/:appId/overview': `/api/analytics/apps/${appId}/overview?${qs(range)}`,
    'GET /api/analytics/breakdown': `/api/analytics/breakdown?${qs({ appId, dimension: 'path', ...range })}`,
    'GET /api/analytics/funnels': `/api/analytics/funnels?${qs({ appId, steps: ['pageview', 'track'], ...range })}`,
    'GET /api/analytics/retention': `/api/analytics/retention?${qs({ appId, cohort: 'day', ...range })}`,
    'GET /api/analytics/metrics/prometheus': `/api/analytics/metrics/prometheus?${qs({ appId })}`,
    'GET /api/analytics/metrics/:name/series': `/api/analytics/metrics/bsecret_total/series?${qs({ appId, ...range })}`,
    'GET /api/analytics/export': `/api/analytics/export?${qs({ appId, ...range })}`,
  };
  return probes[route];
}

describe('owner isolation', () => {
  it('answers 404 and nothing of B to A on every route, 200 to B', async () => {
    const routes = fx.api.routes.map((route) => `${route.meta.method.toUpperCase()} ${route.meta.path}`);
    expect(routes.length).toBeGreaterThanOrEqual(10);
    for (const route of routes) {
      const path = probe(route, b.app.id);
      expect(path, `no isolation probe for ${route}`).toBeDefined();
      if (path === undefined) continue;
      const owned = await fx.get(path, bearer(b));
      expect(owned.status, `${route} as B`).toBe(200);
      // B's own answer really holds B's data (its markers, or non-zero counts).
      expect(await owned.text(), `${route} as B shows B's data`).toMatch(
        /bsecret|"(events|users|size|value)":[1-9]/,
      );
      const callers: [string, Auth][] = [
        ['A owner token', bearer(a)],
        ['A server key', { apiKey: a.keys.server.key }],
        ['A server key as bearer', { token: a.keys.server.key }],
      ];
      for (const [who, auth] of callers) {
        const response = await fx.get(path, auth);
        const text = await response.text();
        expect(response.status, `${route} as ${who}`).toBe(404);
        expect(JSON.parse(text), `${route} as ${who}`).toEqual({
          error: { code: 'app_not_found', message: 'App not found' },
        });
      }
    }
  });
});
