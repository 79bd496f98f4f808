import { Type } from '@sinclair/typebox';
import { App } from '../apps/schemas.ts';
import { IssuedKey } from '../keys/schemas.ts';
import { MAX_PASSWORD_LENGTH } from './passwords.ts';

const Email = Type.String({ format: 'email', maxLength: 254 });
// Length is checked by passwordProblem() for a clearer message than a schema error.
const Password = Type.String({ maxLength: MAX_PASSWORD_LENGTH });

export const Register = Type.Object(
  { email: Email, password: Password, name: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);
export const Login = Type.Object({ email: Email, password: Password }, { additionalProperties: false });
export const Refresh = Type.Object(
  { refreshToken: Type.String({ maxLength: 200 }) },
  { additionalProperties: false },
);

export const User = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

export const Tokens = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
  refreshToken: Type.String({ description: 'Exchange at /api/auth/refresh; rotated on every use' }),
});

export const Session = Type.Composite([Tokens, Type.Object({ user: User })]);

export const Registration = Type.Composite([
  Session,
  Type.Object({
    app: App,
    keys: Type.Object(
      { browser: IssuedKey, server: IssuedKey },
      { description: 'Both keys of the first app, shown in full this one time' },
    ),
  }),
]);
