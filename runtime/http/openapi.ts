// Builds the OpenAPI 3.1 document from the same route definitions that validate requests.
import { type TSchema, Type } from '@sinclair/typebox';
import type { Route, Security } from './routes.ts';

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

type Json = Record<string, unknown>;

/** The `{ error: { code, message } }` response every route documents for its failures. */
export const ErrorResponse = { description: 'Error', schema: Type.Ref('#/components/schemas/Error') };

const SECURITY: Readonly<Record<Security, Json[]>> = {
  none: [],
  owner: [{ bearerAuth: [] }],
  ownerOrReadKey: [{ bearerAuth: [] }, { apiKey: [] }],
};

export function buildOpenApi(info: OpenApiInfo, routes: readonly Route[]): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const path = route.meta.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const operation: Json = {
      summary: route.meta.summary,
      tags: [route.meta.tag],
      security: SECURITY[route.meta.security],
      parameters: [...parameters(route.schemas.params, 'path'), ...parameters(route.schemas.query, 'query')],
      responses: Object.fromEntries(
        Object.entries(route.meta.responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(response.schema
              ? {
                  content: {
                    [response.contentType ?? 'application/json']: { schema: plain(response.schema) },
                  },
                }
              : {}),
          },
        ]),
      ),
    };
    if (route.schemas.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: plain(route.schemas.body) } },
      };
    }
    paths[path] = { ...paths[path], [route.meta.method]: operation };
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
      },
    },
  };
}

/** Merge documents served together (control plane + query API) into one. */
export function mergeOpenApi(info: OpenApiInfo, ...documents: Json[]): Json {
  const paths = Object.assign({}, ...documents.map((d) => d.paths as Json));
  const first = documents[0] ?? buildOpenApi(info, []);
  return { ...first, info, paths };
}

function parameters(schema: TSchema | undefined, where: 'path' | 'query'): Json[] {
  const properties = (schema?.properties ?? {}) as Record<string, TSchema>;
  const required = new Set<string>((schema?.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: plain(property),
    ...(property.description ? { description: property.description } : {}),
  }));
}

/** TypeBox schemas carry symbol keys; a JSON round trip leaves plain JSON Schema. */
function plain(schema: TSchema): Json {
  return JSON.parse(JSON.stringify(schema)) as Json;
}
