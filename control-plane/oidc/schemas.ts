import { Type } from '@sinclair/typebox';
import { Session } from '../auth/schemas.ts';

// An SPA route (the part after `#`), never another origin: the handoff only ever returns it to
// our own app, and `//` is refused so it cannot be mistaken for a network path.
const ReturnTo = Type.String({
  pattern: '^/(?!/)[A-Za-z0-9._~/-]*$',
  maxLength: 200,
  description: 'SPA route to open after sign-in, e.g. /apps',
});

export const StartQuery = Type.Object({ returnTo: Type.Optional(ReturnTo) });

// Lengths bound the work done on input; the provider's own values are far shorter.
export const CallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 2048 })),
  state: Type.Optional(Type.String({ maxLength: 256 })),
  iss: Type.Optional(Type.String({ maxLength: 2048 })),
  error: Type.Optional(Type.String({ maxLength: 256 })),
  error_description: Type.Optional(Type.String({ maxLength: 2048 })),
});

export const HandoffExchange = Type.Object(
  { handoff: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);

export const OidcSession = Type.Composite([Session, Type.Object({ returnTo: ReturnTo })]);
