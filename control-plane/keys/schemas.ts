import { type Static, Type } from '@sinclair/typebox';

export const KeyKindSchema = Type.Union([Type.Literal('server'), Type.Literal('browser')]);
export const KeyScopeSchema = Type.Union([Type.Literal('ingest'), Type.Literal('read')]);

export const KeyCreate = Type.Object(
  {
    appId: Type.String({ format: 'uuid' }),
    kind: KeyKindSchema,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    scopes: Type.Optional(
      Type.Array(KeyScopeSchema, {
        minItems: 1,
        uniqueItems: true,
        description: 'Server keys: ingest and/or read (default both). Browser keys are always ingest only.',
      }),
    ),
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type KeyCreate = Static<typeof KeyCreate>;

export const KeyRegenerate = Type.Object(
  {
    graceSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 30 * 86_400,
        description: 'How long the old key keeps working (default API_KEY_GRACE_SECONDS; 0 = revoke now)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const KeyStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('rotating'),
  Type.Literal('expired'),
  Type.Literal('revoked'),
]);

export const ApiKey = Type.Object({
  id: Type.String({ format: 'uuid' }),
  appId: Type.String({ format: 'uuid' }),
  name: Type.String(),
  kind: KeyKindSchema,
  scopes: Type.Array(KeyScopeSchema),
  /** Masked form, e.g. cs_sk_AbCd…wxyz. */
  display: Type.String(),
  prefix: Type.String(),
  last4: Type.String(),
  status: KeyStatus,
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  replacedBy: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  requestCount: Type.Integer(),
});
export type ApiKey = Static<typeof ApiKey>;

/** Returned once, at creation or regeneration: the only time the full key is ever shown. */
export const IssuedKey = Type.Composite([ApiKey, Type.Object({ key: Type.String() })]);
export type IssuedKey = Static<typeof IssuedKey>;

export const KeyIdParams = Type.Object({ keyId: Type.String({ format: 'uuid' }) });
export const KeyListQuery = Type.Object({ appId: Type.Optional(Type.String({ format: 'uuid' })) });
