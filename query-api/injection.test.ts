// SQL injection attempts in every parameter of every route (quotes, ';', FORMAT, SETTINGS,
// UNION, parameter placeholders): each must get a 400 or an honest answer, never another app's
// rows, never a 500, and never change what is stored. Parameters are read from the routes'
// own schemas, so a new parameter is attacked without editing this test.
import type { TSchema } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registered } from '../control-plane/testing/harness.ts';
import {
  bearer,
  generateEvents,
  insertEvents,
  openFixture,
  type QueryApiFixture,
  qs,
} from './testing/index.ts';

const DATA_FROM = Date.UTC(2026, 2, 2);
const DATA_TO = Date.UTC(2026, 2, 9);
const SECRET = 'bsecret';

const PAYLOADS = [
  "x' OR '1'='1",
  "x'; DROP TABLE events; --",
  "x' FORMAT JSONEachRow --",
  'x FORMAT TabSeparated',
  "x' SETTINGS readonly = 0, max_result_rows = 0 --",
  "x' UNION ALL SELECT toString(app_id) FROM events --",
  '1 UNION SELECT 1',
  '{app:UUID}',
  "\\' OR 1=1; --",
];

let fx: QueryApiFixture;
let a: Registered;
let b: Registered;
let stored: { events: string; metrics: string };

const countStored = async () => {
  const [row] = await fx.ch.query<{ events: string; metrics: string }>(
    'SELECT (SELECT count() FROM events) AS events, (SELECT count() FROM metric_samples) AS metrics',
  );
  return { events: String(row?.events), metrics: String(row?.metrics) };
};

beforeAll(async () => {
  fx = await openFixture('injection');
  a = await fx.owner();
  b = await fx.owner();
  await insertEvents(fx.ch, [
    ...generateEvents({ appId: a.app.id, seed: 121, from: DATA_FROM, to: DATA_TO, visitors: 30 }),
    ...generateEvents({
      appId: b.app.id,
      seed: 122,
      from: DATA_FROM,
      to: DATA_TO,
      visitors: 30,
      marker: `${SECRET}-`,
    }),
  ]);
  const ts = '2026-03-03 10:00:00.000';
  await fx.ch.insert('metric_samples', [
    {
      app_id: a.app.id,
      name: 'jobs_total',
      type: 'counter',
      labels: { queue: 'q' },
      value: 1,
      ts,
      received_at: ts,
    },
    {
      app_id: b.app.id,
      name: 'jobs_total',
      type: 'counter',
      labels: { queue: SECRET },
      value: 7,
      ts,
      received_at: ts,
    },
  ]);
  stored = await countStored();
});
afterAll(() => fx?.close());

/** A valid request for each route (A's own app); path parameters in {braces}. */
const VALID: Record<string, { path: string; query: Record<string, string | string[]> }> = {
  'GET /api/analytics/events/summary': {
    path: '/api/analytics/events/summary',
    query: { eventType: 'pageview' },
  },
  'GET /api/analytics/events/timeline': {
    path: '/api/analytics/events/timeline',
    query: { interval: 'day', eventType: 'track' },
  },
  'GET /api/analytics/users/:userId': { path: '/api/analytics/users/{userId}', query: { limit: '5' } },
  'GET /api/analytics/apps/:appId/overview': { path: '/api/analytics/apps/{appId}/overview', query: {} },
  'GET /api/analytics/breakdown': {
    path: '/api/analytics/breakdown',
    query: { dimension: 'metadata', key: 'plan', eventType: 'pageview', limit: '5' },
  },
  'GET /api/analytics/funnels': {
    path: '/api/analytics/funnels',
    query: { steps: ['pageview', 'track'], window: '1h' },
  },
  'GET /api/analytics/retention': { path: '/api/analytics/retention', query: { cohort: 'day' } },
  'GET /api/analytics/metrics/prometheus': { path: '/api/analytics/metrics/prometheus', query: {} },
  'GET /api/analytics/metrics/:name/series': {
    path: '/api/analytics/metrics/{name}/series',
    query: { step: '1h', aggregation: 'increase', label: ['queue:q'], by: ['queue'] },
  },
  'GET /api/analytics/export': {
    path: '/api/analytics/export',
    query: { format: 'csv', eventTypes: ['pageview'], limit: '10' },
  },
};

const RANGE = { startDate: '2026-03-02', endDate: '2026-03-08' };

function build(
  route: string,
  pathParams: Record<string, string>,
  query: Record<string, string | string[]>,
): string {
  const spec = VALID[route];
  const path = (spec?.path ?? '').replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(pathParams[name] ?? ''),
  );
  return `${path}?${qs(query)}`;
}

describe('SQL injection', () => {
  it('gives 400 or an honest answer, never B’s rows, for every payload in every parameter', async () => {
    const outcomes = new Map<string, number>();
    for (const route of fx.api.routes) {
      const name = `${route.meta.method.toUpperCase()} ${route.meta.path}`;
      const spec = VALID[name];
      expect(spec, `no injection template for ${name}`).toBeDefined();
      if (!spec) continue;
      const pathParams: Record<string, string> = {
        userId: 'user-121-1',
        appId: a.app.id,
        name: 'jobs_total',
      };
      const baseQuery: Record<string, string | string[]> = {
        ...(route.meta.path.includes(':appId') ? {} : { appId: a.app.id }),
        ...(name.includes('prometheus') ? {} : RANGE),
        ...spec.query,
      };
      const valid = await fx.get(build(name, pathParams, baseQuery), bearer(a));
      expect(valid.status, `${name} template is valid`).toBe(200);
      const schemaOf = (schema: TSchema | undefined) => (schema?.properties ?? {}) as Record<string, TSchema>;
      const targets = [
        ...Object.entries(schemaOf(route.schemas.params)).map(([param, schema]) => ({
          param,
          schema,
          where: 'path',
        })),
        ...Object.entries(schemaOf(route.schemas.query)).map(([param, schema]) => ({
          param,
          schema,
          where: 'query',
        })),
      ];
      for (const { param, schema, where } of targets) {
        for (const payload of PAYLOADS) {
          const attack = schema.type === 'array' ? [payload, payload] : payload;
          const path =
            where === 'path'
              ? build(name, { ...pathParams, [param]: payload }, baseQuery)
              : build(name, pathParams, { ...baseQuery, [param]: attack });
          const response = await fx.get(path, bearer(a));
          const text = await response.text();
          const label = `${name} ${param}=${JSON.stringify(payload)}`;
          expect([200, 400, 404], `${label} -> ${response.status} ${text.slice(0, 200)}`).toContain(
            response.status,
          );
          expect(text, `${label} leaked another app's data`).not.toContain(SECRET);
          expect(text, label).not.toContain(b.app.id);
          outcomes.set(`${response.status}`, (outcomes.get(`${response.status}`) ?? 0) + 1);
        }
      }
    }
    // Both kinds of outcome occur: strict parameters refuse, free-text ones are bound and answered.
    expect(outcomes.get('400')).toBeGreaterThan(50);
    expect(outcomes.get('200')).toBeGreaterThan(20);
    expect(await countStored()).toEqual(stored);
  }, 120_000);

  it('binds free-text values, so a payload matches nothing instead of everything', async () => {
    const payload = "x' OR '1'='1";
    const summary = await fx.json<{ totals: { events: number } }>(
      `/api/analytics/events/summary?${qs({ appId: a.app.id, eventType: payload, ...RANGE })}`,
      bearer(a),
    );
    expect(summary.totals.events).toBe(0);
    const user = await fx.json<{ events: number }>(
      `/api/analytics/users/${encodeURIComponent(payload)}?${qs({ appId: a.app.id, ...RANGE })}`,
      bearer(a),
    );
    expect(user.events).toBe(0);
    const funnel = await fx.json<{ steps: { users: number }[] }>(
      `/api/analytics/funnels?${qs({ appId: a.app.id, steps: [payload, 'pageview'], ...RANGE })}`,
      bearer(a),
    );
    expect(funnel.steps.map((step) => step.users)).toEqual([0, 0]);
    const byKey = await fx.json<{ rows: { value: string | null }[] }>(
      `/api/analytics/breakdown?${qs({ appId: a.app.id, dimension: 'metadata', key: payload, ...RANGE })}`,
      bearer(a),
    );
    expect(byKey.rows.map((row) => row.value)).toEqual(['']);
    const exported = await fx.get(
      `/api/analytics/export?${qs({ appId: a.app.id, eventTypes: [payload], ...RANGE })}`,
      bearer(a),
    );
    expect(await exported.text()).toBe('');
  });
});
