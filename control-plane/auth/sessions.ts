// Owner sessions: a short-lived JWT (HS256 pinned, exp/iss/aud required) for API calls, and a
// long-lived opaque refresh token stored only as a SHA-256 hash and rotated on every use.
// Every access token names its session; logout revokes the session row, and verification
// checks it, so a token stops working at once rather than at its expiry.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { type HttpError, unauthorized } from '../../runtime/errors/index.ts';
import type { ControlPlaneDeps } from '../deps.ts';

// Short enough that a stolen access token is of little use, long enough for a dashboard session.
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
// Owners sign in about monthly; each refresh rotates the token.
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
export const JWT_ISSUER = 'clickstream';
export const JWT_AUDIENCE = 'clickstream-api';
const JWT_ALGORITHM = 'HS256';

export interface Owner {
  userId: string;
  sessionId: string;
}

export interface SessionTokens {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
}

export interface ClientInfo {
  ip: string;
  userAgent: string | undefined;
}

type Deps = Pick<ControlPlaneDeps, 'config' | 'postgres' | 'now'>;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export function hashIp(deps: Pick<ControlPlaneDeps, 'config'>, ip: string): string {
  // Keyed so a stored hash cannot be reversed by hashing the IPv4 space.
  return createHash('sha256').update(`${deps.config.jwtSecret}:${ip}`).digest('hex').slice(0, 32);
}

function signingKey(deps: Pick<ControlPlaneDeps, 'config'>): Uint8Array {
  return new TextEncoder().encode(deps.config.jwtSecret);
}

async function accessToken(deps: Deps, owner: Owner): Promise<string> {
  const now = Math.floor(deps.now() / 1000);
  return new SignJWT({ sid: owner.sessionId })
    .setProtectedHeader({ alg: JWT_ALGORITHM, typ: 'JWT' })
    .setSubject(owner.userId)
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + ACCESS_TOKEN_TTL_SECONDS)
    .setJti(randomUUID())
    .sign(signingKey(deps));
}

export async function startSession(deps: Deps, userId: string, client: ClientInfo): Promise<SessionTokens> {
  const sessionId = randomUUID();
  const refreshToken = `csr_${randomBytes(32).toString('base64url')}`;
  await deps.postgres.query(
    `INSERT INTO sessions (id, user_id, refresh_hash, expires_at, user_agent, ip_hash, created_at, last_used_at)
     VALUES ($1, $2, $3, to_timestamp($4 / 1000.0), $5, $6, to_timestamp($7 / 1000.0), to_timestamp($7 / 1000.0))`,
    [
      sessionId,
      userId,
      sha256(refreshToken),
      deps.now() + REFRESH_TOKEN_TTL_SECONDS * 1000,
      client.userAgent?.slice(0, 512) ?? null,
      hashIp(deps, client.ip),
      deps.now(),
    ],
  );
  return {
    accessToken: await accessToken(deps, { userId, sessionId }),
    tokenType: 'Bearer',
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    refreshToken,
  };
}

/** Exchange a refresh token for new tokens. A reused (already rotated) token revokes its session. */
export async function refreshSession(deps: Deps, refreshToken: string): Promise<SessionTokens> {
  const next = `csr_${randomBytes(32).toString('base64url')}`;
  const { rows } = await deps.postgres.query<{ id: string; user_id: string }>(
    `UPDATE sessions SET refresh_hash = $2, last_used_at = to_timestamp($3 / 1000.0)
     WHERE refresh_hash = $1 AND revoked_at IS NULL AND expires_at > to_timestamp($3 / 1000.0)
     RETURNING id, user_id`,
    [sha256(refreshToken), sha256(next), deps.now()],
  );
  const session = rows[0];
  if (!session) throw unauthorized('invalid_refresh_token', 'Refresh token is invalid, expired or revoked');
  return {
    accessToken: await accessToken(deps, { userId: session.user_id, sessionId: session.id }),
    tokenType: 'Bearer',
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    refreshToken: next,
  };
}

export async function revokeSession(deps: Deps, sessionId: string): Promise<void> {
  await deps.postgres.query(
    'UPDATE sessions SET revoked_at = to_timestamp($2 / 1000.0) WHERE id = $1 AND revoked_at IS NULL',
    [sessionId, deps.now()],
  );
}

/** Verify an access token and its live session; any failure is the same 401. */
export async function verifyAccessToken(deps: Deps, token: string): Promise<Owner> {
  let sub: string | undefined;
  let sid: unknown;
  try {
    const { payload } = await jwtVerify(token, signingKey(deps), {
      algorithms: [JWT_ALGORITHM],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      requiredClaims: ['exp', 'iat', 'sub', 'sid'],
      currentDate: new Date(deps.now()),
    });
    sub = payload.sub;
    sid = payload.sid;
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) throw invalidToken(error.code === 'ERR_JWT_EXPIRED');
    throw error;
  }
  if (typeof sub !== 'string' || typeof sid !== 'string' || !UUID.test(sid) || !UUID.test(sub)) {
    throw invalidToken(false);
  }
  const { rows } = await deps.postgres.query<{ ok: boolean }>(
    `SELECT true AS ok FROM sessions
     WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > to_timestamp($3 / 1000.0)`,
    [sid, sub, deps.now()],
  );
  if (rows.length === 0) throw invalidToken(false);
  return { userId: sub, sessionId: sid };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalidToken(expired: boolean): HttpError {
  return expired
    ? unauthorized('token_expired', 'Access token has expired; refresh it')
    : unauthorized('invalid_token', 'Access token is invalid or revoked');
}
