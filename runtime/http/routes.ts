// Routes described once: their TypeBox schemas validate requests (ajv, compiled at definition
// time) and generate the OpenAPI 3.1 document, so the docs cannot drift from what the API does.
// Invalid input becomes a 400 with a field-level list; handlers receive typed, validated input.
import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { HttpError } from '../errors/index.ts';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type Security = 'none' | 'owner' | 'ownerOrReadKey';

export interface RouteSchemas {
  params?: TSchema;
  query?: TSchema;
  body?: TSchema;
}

export interface RouteMeta {
  method: Method;
  /** Hono path, e.g. `/api/keys/:keyId`. */
  path: string;
  summary: string;
  tag: string;
  security: Security;
  responses: Readonly<Record<number, { description: string; schema?: TSchema; contentType?: string }>>;
}

type InputOf<S, K extends keyof RouteSchemas> = S extends { [P in K]: infer T extends TSchema }
  ? Static<T>
  : undefined;

export interface RouteInput<S extends RouteSchemas> {
  params: InputOf<S, 'params'>;
  query: InputOf<S, 'query'>;
  body: InputOf<S, 'body'>;
}

export interface Route {
  meta: RouteMeta;
  schemas: RouteSchemas;
  handle: (c: Context) => Promise<Response>;
}

export interface FieldError {
  field: string;
  message: string;
}

const bodyAjv = addFormats(new Ajv({ allErrors: true, useDefaults: true, strict: false }));
// Query strings and path params are text: coerce "10" to 10 and "true" to true before checking.
const textAjv = addFormats(
  new Ajv({ allErrors: true, useDefaults: true, coerceTypes: 'array', strict: false }),
);

export function defineRoute<const S extends RouteSchemas>(
  meta: RouteMeta & S,
  handler: (c: Context, input: RouteInput<S>) => Promise<Response> | Response,
): Route {
  const { method, path, summary, tag, security, responses, ...schemas } = meta;
  const validators = {
    params: schemas.params ? textAjv.compile(schemas.params) : undefined,
    query: schemas.query ? textAjv.compile(schemas.query) : undefined,
    body: schemas.body ? bodyAjv.compile(schemas.body) : undefined,
  };
  return {
    meta: { method, path, summary, tag, security, responses },
    schemas,
    handle: async (c) => {
      const params = validators.params ? check(validators.params, { ...c.req.param() }, 'path') : undefined;
      const query = validators.query ? check(validators.query, c.req.queries(), 'query', true) : undefined;
      const body = validators.body ? check(validators.body, await readJson(c), 'body') : undefined;
      return handler(c, { params, query, body } as RouteInput<S>);
    },
  };
}

/** Register routes on an app, each behind the auth middleware its `security` names. */
export function mountRoutes(
  app: Hono,
  routes: readonly Route[],
  auth: Readonly<Partial<Record<Security, MiddlewareHandler>>>,
): void {
  for (const route of routes) {
    const guard = route.meta.security === 'none' ? undefined : auth[route.meta.security];
    if (route.meta.security !== 'none' && !guard) {
      throw new Error(`no auth middleware for ${route.meta.security} (${route.meta.path})`);
    }
    const method = route.meta.method.toUpperCase();
    const handle = (c: Context) => route.handle(c);
    if (guard) app.on(method, route.meta.path, guard, handle);
    else app.on(method, route.meta.path, handle);
  }
}

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') throw new HttpError(400, 'invalid_json', 'Request body must be a JSON document');
  try {
    return JSON.parse(text, rejectProtoKeys);
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, 'invalid_json', 'Request body is not valid JSON');
  }
}

/** JSON.parse reviver: `__proto__`/`constructor`/`prototype` keys never reach our objects. */
function rejectProtoKeys(key: string, value: unknown): unknown {
  if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
    throw new HttpError(400, 'invalid_json', `Forbidden key "${key}" in request body`);
  }
  return value;
}

function check<T>(validate: ValidateFunction, input: unknown, where: string, single = false): T {
  // Hono gives every query value as an array; unwrap the ones the schema expects as scalars.
  const value = single ? unwrapQuery(validate, input as Record<string, string[]>) : input;
  if (validate(value)) return value as T;
  throw new HttpError(
    400,
    'validation_failed',
    `Invalid ${where}`,
    fieldErrors(validate.errors ?? [], where),
  );
}

function unwrapQuery(validate: ValidateFunction, input: Record<string, string[]>): Record<string, unknown> {
  const properties =
    (validate.schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const out: Record<string, unknown> = {};
  for (const [key, values] of Object.entries(input)) {
    out[key] = properties[key]?.type === 'array' ? values : values[values.length - 1];
  }
  return out;
}

export function fieldErrors(errors: readonly ErrorObject[], where: string): FieldError[] {
  return errors.map((error) => {
    const missing = error.keyword === 'required' ? `/${String(error.params.missingProperty)}` : '';
    const extra =
      error.keyword === 'additionalProperties' ? `/${String(error.params.additionalProperty)}` : '';
    const field = `${where}${error.instancePath}${missing}${extra}`.replace(/\//g, '.');
    const message =
      error.keyword === 'additionalProperties' ? 'is not a known field' : (error.message ?? 'is invalid');
    return { field, message };
  });
}
