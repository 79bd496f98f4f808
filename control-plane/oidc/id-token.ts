// ID token verification with jose against the provider's published keys: algorithms pinned to
// the asymmetric ones the provider advertises, iss/aud/exp/iat/sub required, and the nonce
// bound to this sign-in attempt. What comes out is the identity we trust, nothing more.
import { createRemoteJWKSet, customFetch, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import type { Logger } from '../../runtime/logger/index.ts';
import type { ProviderMetadata } from './discovery.ts';
import { invalidIdToken, invalidNonce, providerUnavailable } from './errors.ts';
import { callProvider, PROVIDER_TIMEOUT_MS, ProviderTransportError } from './outbound.ts';

// Our clock and the provider's may disagree by a few seconds; a minute absorbs a badly synced
// host without meaningfully extending the life of a token that is used once, right away.
export const ID_TOKEN_CLOCK_TOLERANCE_SECONDS = 60;
// OpenID Connect Core §2: `sub` is at most 255 ASCII characters.
const MAX_SUBJECT_LENGTH = 255;
// The users table accepts emails up to 320 characters (64 local + @ + 255 domain).
const MAX_EMAIL_LENGTH = 320;
const MAX_NAME_LENGTH = 200;

export interface VerifiedIdentity {
  /** The issuer: `sub` is only unique within it. */
  issuer: string;
  subject: string;
  email: string | undefined;
  emailVerified: boolean;
  name: string | undefined;
}

interface VerifierDeps {
  clientId: string;
  logger: Logger;
  now: () => number;
}

export type IdTokenVerifier = (
  idToken: string,
  metadata: ProviderMetadata,
  expectedNonce: string,
) => Promise<VerifiedIdentity>;

/** A verifier that keeps one remote key set (jose caches and refreshes it) per jwks_uri. */
export function createIdTokenVerifier(deps: VerifierDeps): IdTokenVerifier {
  let keySet: { uri: string; resolve: ReturnType<typeof createRemoteJWKSet> } | undefined;
  const keysFor = (uri: string) => {
    if (keySet?.uri !== uri) {
      keySet = {
        uri,
        resolve: createRemoteJWKSet(new URL(uri), {
          timeoutDuration: PROVIDER_TIMEOUT_MS,
          // Same transport, deadline and size cap as every other provider call.
          [customFetch]: fetchKeySet,
        }),
      };
    }
    return keySet.resolve;
  };

  return async (idToken, metadata, expectedNonce) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, keysFor(metadata.jwksUri), {
        algorithms: metadata.idTokenAlgorithms,
        issuer: acceptedIssuers(metadata.issuer),
        audience: deps.clientId,
        requiredClaims: ['exp', 'iat', 'sub'],
        currentDate: new Date(deps.now()),
        clockTolerance: ID_TOKEN_CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (error) {
      if (error instanceof ProviderTransportError || error instanceof joseErrors.JWKSTimeout) {
        deps.logger.warn({ reason: error.message }, 'oidc key set unreachable');
        throw providerUnavailable();
      }
      if (error instanceof joseErrors.JOSEError) {
        deps.logger.info({ joseCode: error.code, reason: error.message }, 'oidc id token rejected');
        throw invalidIdToken();
      }
      throw error;
    }
    // Core §3.1.3.7: with several audiences, or an azp at all, azp must be us.
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if ((audiences.length > 1 || payload.azp !== undefined) && payload.azp !== deps.clientId) {
      deps.logger.info('oidc id token rejected: authorized party is another client');
      throw invalidIdToken();
    }
    if (typeof payload.nonce !== 'string' || payload.nonce !== expectedNonce) throw invalidNonce();
    return toIdentity(payload, metadata.issuer);
  };
}

function toIdentity(payload: JWTPayload, issuer: string): VerifiedIdentity {
  const subject = payload.sub;
  if (typeof subject !== 'string' || subject === '' || subject.length > MAX_SUBJECT_LENGTH)
    throw invalidIdToken();
  const email =
    typeof payload.email === 'string' &&
    payload.email.length <= MAX_EMAIL_LENGTH &&
    payload.email.includes('@')
      ? payload.email.trim()
      : undefined;
  // Some providers send the boolean as a string; anything else means "not verified".
  const emailVerified = payload.email_verified === true || payload.email_verified === 'true';
  const name =
    typeof payload.name === 'string' && payload.name.trim() !== '' ? payload.name.trim() : undefined;
  return { issuer, subject, email, emailVerified, name: name?.slice(0, MAX_NAME_LENGTH) };
}

/** Google documents that its ID tokens may carry `iss` without the scheme. */
function acceptedIssuers(issuer: string): string[] {
  return issuer === 'https://accounts.google.com' ? [issuer, 'accounts.google.com'] : [issuer];
}

async function fetchKeySet(url: string): Promise<Response> {
  const response = await callProvider(url, { method: 'GET' });
  if (response.status !== 200) throw new ProviderTransportError(`key set answered ${response.status}`);
  if (response.json === undefined) throw new ProviderTransportError('key set is not JSON');
  return Response.json(response.json);
}
