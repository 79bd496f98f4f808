import { type Static, Type } from '@sinclair/typebox';

// An origin is scheme://host[:port], exactly what browsers send in the Origin header.
const Origin = Type.String({
  pattern: '^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$',
  maxLength: 255,
  description: 'An origin such as https://www.example.com (scheme, host, optional port)',
});

export const AppName = Type.String({ minLength: 1, maxLength: 100 });
export const RetentionDays = Type.Integer({ minimum: 1, maximum: 3650 });
export const TimeZone = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'IANA time zone, e.g. Europe/Paris',
});
// Browsers may have many sites; a list this long is a mistake or an attack.
const MAX_ORIGINS = 100;

export const AppCreate = Type.Object(
  {
    name: AppName,
    allowedOrigins: Type.Optional(Type.Array(Origin, { maxItems: MAX_ORIGINS, uniqueItems: true })),
    retentionDays: Type.Optional(RetentionDays),
    timeZone: Type.Optional(TimeZone),
    respectDnt: Type.Optional(Type.Boolean({ description: 'Honour Do Not Track / Global Privacy Control' })),
  },
  { additionalProperties: false },
);
export type AppCreate = Static<typeof AppCreate>;

export const AppUpdate = Type.Partial(AppCreate, { additionalProperties: false, minProperties: 1 });
export type AppUpdate = Static<typeof AppUpdate>;

export const App = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: AppName,
  allowedOrigins: Type.Array(Type.String()),
  retentionDays: RetentionDays,
  timeZone: TimeZone,
  respectDnt: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type App = Static<typeof App>;

export const AppIdParams = Type.Object({ appId: Type.String({ format: 'uuid' }) });
