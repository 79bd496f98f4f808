import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../testing/harness.ts';
import { listOperations } from './render-page.ts';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Json = Record<string, unknown>;

interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<
    string,
    Record<string, Json & { requestBody?: { content: { 'application/json': { schema: Json } } } }>
  >;
  components: { securitySchemes: Json; schemas: Json };
}

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('API docs', () => {
  let h: Harness;
  let doc: OpenApiDoc;
  beforeAll(async () => {
    h = await createHarness('embedded');
    const response = await h.request('GET', '/api-docs/openapi.json');
    expect(response.status).toBe(200);
    doc = (await response.json()) as OpenApiDoc;
  });
  afterAll(() => h.close());

  it('is an OpenAPI 3.1 document', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.components.securitySchemes).toHaveProperty('bearerAuth');
    expect(doc.components.schemas).toHaveProperty('Error');
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path).toMatch(/^\//);
      for (const operation of Object.values(item)) {
        expect(operation).toMatchObject({ summary: expect.any(String), responses: expect.any(Object) });
      }
    }
  });

  it('lists every route the control plane registers, and nothing else', () => {
    const registered = h.plane.routes.map(
      (route) => `${route.meta.method} ${toOpenApiPath(route.meta.path)}`,
    );
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual([...registered].sort());
    expect(registered).toEqual(
      expect.arrayContaining([
        'post /api/metric-configs',
        'get /api/metric-configs',
        'get /api/metric-configs/{id}',
        'put /api/metric-configs/{id}',
        'delete /api/metric-configs/{id}',
        'get /api/apps/{appId}/snippet',
      ]),
    );
  });

  it('documents exactly the schema the API validates with', async () => {
    const route = h.plane.routes.find(
      (r) => r.meta.method === 'post' && r.meta.path === '/api/metric-configs',
    );
    const documented =
      doc.paths['/api/metric-configs']?.post?.requestBody?.content['application/json'].schema;
    expect(documented).toEqual(JSON.parse(JSON.stringify(route?.schemas.body)));

    // A body the API rejects violates the documented schema; one it accepts satisfies it.
    const validate = addFormats(new Ajv({ allErrors: true, strict: false })).compile(documented as Json);
    const owner = await h.register();
    const invalid = { appId: owner.app.id, name: 'no spaces allowed', type: 'summary', surprise: 1 };
    const rejected = await h.request('POST', '/api/metric-configs', {
      token: owner.accessToken,
      body: invalid,
    });
    expect(rejected.status).toBe(400);
    expect(validate(invalid)).toBe(false);
    const valid = { appId: owner.app.id, name: 'signups_total', type: 'counter' };
    expect(validate(valid)).toBe(true);
    const accepted = await h.request('POST', '/api/metric-configs', {
      token: owner.accessToken,
      body: valid,
    });
    expect(accepted.status).toBe(201);
  });

  it('renders a readable page with every operation, without any script', async () => {
    const response = await h.request('GET', '/api-docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    const shown = [...html.matchAll(/data-method="([a-z]+)" data-path="([^"]+)"/g)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    const operations = listOperations(doc as unknown as Json).map((op) => `${op.method} ${op.path}`);
    // Grouped by tag on the page, so compare as sets.
    expect([...shown].sort()).toEqual([...operations].sort());
    expect(shown).toHaveLength(h.plane.routes.length);
    expect(html).toContain('<a href="/api-docs/openapi.json">');

    const css = await h.request('GET', '/api-docs/styles.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(html).toContain('<link rel="stylesheet" href="/api-docs/styles.css">');
  });
});
