import { Type } from '@sinclair/typebox';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger/index.ts';
import { errorHandler, notFoundHandler } from './index.ts';
import { buildOpenApi } from './openapi.ts';
import { defineRoute, mountRoutes } from './routes.ts';

const createThing = defineRoute(
  {
    method: 'post',
    path: '/things/:group',
    summary: 'Create a thing',
    tag: 'things',
    security: 'none',
    params: Type.Object({ group: Type.String({ pattern: '^[a-z]+$' }) }),
    query: Type.Object({
      dryRun: Type.Optional(Type.Boolean()),
      tags: Type.Optional(Type.Array(Type.String())),
    }),
    body: Type.Object(
      { name: Type.String({ minLength: 2 }), size: Type.Integer({ minimum: 1 }) },
      { additionalProperties: false },
    ),
    responses: { 201: { description: 'Created', schema: Type.Object({ id: Type.String() }) } },
  },
  (c, { params, query, body }) =>
    c.json({ group: params.group, dryRun: query.dryRun ?? false, tags: query.tags ?? [], ...body }, 201),
);

function app(): Hono {
  const hono = new Hono();
  mountRoutes(hono, [createThing], {});
  hono.onError(errorHandler(silentLogger()));
  hono.notFound(notFoundHandler);
  return hono;
}

const post = (path: string, body: string) =>
  app().request(path, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('defineRoute', () => {
  it('passes typed, coerced input to the handler', async () => {
    const response = await post('/things/abc?dryRun=true&tags=a&tags=b', '{"name":"ok","size":3}');
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({
      group: 'abc',
      dryRun: true,
      tags: ['a', 'b'],
      name: 'ok',
      size: 3,
    });
  });

  it('answers 400 with a field-level list for invalid input', async () => {
    const response = await post('/things/ABC', '{"name":"x","extra":1}');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; details: { field: string }[] } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details.map((d) => d.field)).toEqual(['path.group']);
    const bodyErrors = await post('/things/abc', '{"name":"x","extra":1}');
    const fields = (
      (await bodyErrors.json()) as { error: { details: { field: string }[] } }
    ).error.details.map((d) => d.field);
    expect(fields.sort()).toEqual(['body.extra', 'body.name', 'body.size']);
  });

  it.each(['', '{', '{"name":"ok","size":1,"__proto__":{"polluted":1}}'])(
    'rejects body %j as invalid_json',
    async (body) => {
      const response = await post('/things/abc', body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('renders unknown routes as the standard 404 body', async () => {
    const response = await app().request('/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'not_found', message: 'No route for GET /nope' },
    });
  });

  it('documents the same schemas in OpenAPI 3.1', () => {
    const doc = buildOpenApi({ title: 't', version: '1' }, [createThing]) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { parameters: { name: string; in: string }[]; requestBody: unknown }>
      >;
    };
    expect(doc.openapi).toBe('3.1.0');
    const operation = doc.paths['/things/{group}']?.post;
    expect(operation?.parameters.map((p) => `${p.in}:${p.name}`)).toEqual([
      'path:group',
      'query:dryRun',
      'query:tags',
    ]);
    expect(JSON.stringify(operation?.requestBody)).toContain('"minLength":2');
  });
});
