// The query API as one app: its OpenAPI 3.1 document covers every route (and merges with the
// control plane's), unknown paths get the standard 404 body, every statement it runs is
// read-only, and its metrics go to the registry it was given, not prom-client's global one.
import { register } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQuery } from './execution/index.ts';
import { combinedOpenApi, OPENAPI_PATH } from './index.ts';
import { openFixture, type QueryApiFixture } from './testing/index.ts';

let fx: QueryApiFixture;

beforeAll(async () => {
  fx = await openFixture('wiring');
});
afterAll(() => fx?.close());

interface Document {
  openapi: string;
  paths: Record<string, Record<string, { security: unknown[]; parameters: { name: string; in: string }[] }>>;
}

describe('query API', () => {
  it('serves an OpenAPI 3.1 document with every route, its parameters and both credentials', async () => {
    const response = await fx.get(OPENAPI_PATH, {});
    expect(response.status).toBe(200);
    const doc = (await response.json()) as Document;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/analytics/apps/{appId}/overview',
      '/api/analytics/breakdown',
      '/api/analytics/events/summary',
      '/api/analytics/events/timeline',
      '/api/analytics/export',
      '/api/analytics/funnels',
      '/api/analytics/metrics/prometheus',
      '/api/analytics/metrics/{name}/series',
      '/api/analytics/retention',
      '/api/analytics/users/{userId}',
    ]);
    for (const operations of Object.values(doc.paths)) {
      expect(operations.get?.security).toEqual([{ bearerAuth: [] }, { apiKey: [] }]);
    }
    const timeline = doc.paths['/api/analytics/events/timeline']?.get?.parameters.map((p) => p.name);
    expect(timeline).toEqual(['appId', 'interval', 'eventType', 'startDate', 'endDate']);
  });

  it('merges into one document with the control plane', () => {
    const merged = combinedOpenApi(fx.harness.plane.openApi(), fx.api.openApi()) as unknown as Document;
    expect(merged.paths['/api/keys']).toBeDefined();
    expect(merged.paths['/api/analytics/funnels']).toBeDefined();
  });

  it('answers unknown paths with the standard 404 body', async () => {
    const response = await fx.get('/api/analytics/nope', {});
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('runs every statement read-only', async () => {
    await expect(
      runQuery(fx.ch, 'INSERT INTO events (app_id) SELECT generateUUIDv4()', {}),
    ).rejects.toMatchObject({ type: 'READONLY' });
    const [row] = await fx.ch.query<{ n: string }>('SELECT count() AS n FROM events');
    expect(row?.n).toBe('0');
  });

  it('registers its metrics on the registry it was given only', async () => {
    expect(await fx.metrics.getSingleMetric('query_api_cache_hit_ratio')).toBeDefined();
    expect(register.getSingleMetric('query_api_cache_hit_ratio')).toBeUndefined();
  });
});
