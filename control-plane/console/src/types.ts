// The shapes the console reads. Control-plane types come straight from the route schemas (type
// imports only: esbuild drops them, nothing server-side reaches the bundle), so a change there
// fails the type check here. Query-API answers are described where they are used, in analytics/.
import type { Static } from '@sinclair/typebox';
import type { App as AppSchema } from '../../apps/schemas.ts';
import type { Registration as RegistrationSchema, User as UserSchema } from '../../auth/schemas.ts';
import type { ApiKey as ApiKeyType, IssuedKey as IssuedKeyType } from '../../keys/schemas.ts';
import type { MetricConfig as MetricConfigType } from '../../metric-configs/schemas.ts';
import type { ConsoleConfig as ConsoleConfigType } from '../config-route.ts';

export type App = Static<typeof AppSchema>;
export type User = Static<typeof UserSchema>;
export type Registration = Static<typeof RegistrationSchema>;
export type ApiKey = ApiKeyType;
export type IssuedKey = IssuedKeyType;
export type MetricConfig = MetricConfigType;
export type ConsoleConfig = ConsoleConfigType;

export interface Tokens {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
}

export interface SignedIn extends Tokens {
  user: User;
}

export interface FieldIssue {
  field: string;
  message: string;
}

export interface SnippetAnswer {
  html: string;
  config: { ingestUrl: string; respectDnt: boolean; metrics: { name: string }[] };
  browserKey: { id: string; display: string; embedded: boolean };
}
