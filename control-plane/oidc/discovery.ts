// The provider's OpenID configuration, fetched from `${issuer}/.well-known/openid-configuration`
// and kept for a while. Only what sign-in needs is kept, checked, and narrowed to safe choices.
import type { Logger } from '../../runtime/logger/index.ts';
import { providerMisbehaved, providerUnavailable } from './errors.ts';
import { callProvider, isRecord, ProviderTransportError } from './outbound.ts';

// Providers change endpoints and algorithms rarely, and key rotation travels through the JWKS
// (which jose re-fetches on its own); an hour matches Google's own Cache-Control for this document.
export const DISCOVERY_CACHE_TTL_MS = 60 * 60 * 1000;

// Signature algorithms verifiable with a provider's published public keys. `none` and the HS*
// family are never accepted, whatever a discovery document claims.
const ASYMMETRIC_ALGORITHMS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

export type TokenEndpointAuth = 'client_secret_basic' | 'client_secret_post';

export interface ProviderMetadata {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  /** Algorithms ID tokens may be signed with; anything else is refused. */
  idTokenAlgorithms: string[];
  tokenEndpointAuth: TokenEndpointAuth;
}

interface DiscoveryDeps {
  issuer: string;
  logger: Logger;
  now: () => number;
}

/** A cached loader: one fetch per TTL, shared by concurrent callers; failures are not cached. */
export function createDiscovery(deps: DiscoveryDeps): () => Promise<ProviderMetadata> {
  let cached: { metadata: Promise<ProviderMetadata>; expiresAt: number } | undefined;
  return () => {
    if (cached && cached.expiresAt > deps.now()) return cached.metadata;
    const metadata = fetchMetadata(deps);
    const entry = { metadata, expiresAt: deps.now() + DISCOVERY_CACHE_TTL_MS };
    cached = entry;
    metadata.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return metadata;
  };
}

export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

async function fetchMetadata(deps: DiscoveryDeps): Promise<ProviderMetadata> {
  const url = discoveryUrl(deps.issuer);
  let response: Awaited<ReturnType<typeof callProvider>>;
  try {
    response = await callProvider(url, { method: 'GET' });
  } catch (error) {
    if (!(error instanceof ProviderTransportError)) throw error;
    deps.logger.warn({ url, reason: error.message }, 'oidc discovery failed: provider unreachable');
    throw providerUnavailable();
  }
  if (response.status !== 200) {
    deps.logger.error({ url, status: response.status }, 'oidc discovery failed: unexpected status');
    throw providerUnavailable();
  }
  const parsed = parseMetadata(response.json, deps.issuer);
  if (typeof parsed === 'string') {
    deps.logger.error({ url, reason: parsed }, 'oidc discovery document rejected');
    throw providerMisbehaved();
  }
  return parsed;
}

/** The metadata, or the reason the document cannot be used. Pure. */
export function parseMetadata(document: unknown, issuer: string): ProviderMetadata | string {
  if (!isRecord(document)) return 'not a JSON object';
  // OpenID Connect Discovery 1.0 §4.3: the document's issuer must be exactly the one we asked.
  if (document.issuer !== issuer) return `issuer ${JSON.stringify(document.issuer)} does not match ${issuer}`;
  const httpsOnly = new URL(issuer).protocol === 'https:';
  const authorizationEndpoint = endpoint(document.authorization_endpoint, httpsOnly);
  const tokenEndpoint = endpoint(document.token_endpoint, httpsOnly);
  const jwksUri = endpoint(document.jwks_uri, httpsOnly);
  if (!authorizationEndpoint) return 'authorization_endpoint missing or not a valid URL';
  if (!tokenEndpoint) return 'token_endpoint missing or not a valid URL';
  if (!jwksUri) return 'jwks_uri missing or not a valid URL';

  const advertised = stringList(document.id_token_signing_alg_values_supported) ?? ['RS256'];
  const idTokenAlgorithms = advertised.filter((alg) => ASYMMETRIC_ALGORITHMS.has(alg));
  if (idTokenAlgorithms.length === 0) return 'no supported asymmetric ID token signing algorithm';

  // Absent means client_secret_basic only (Discovery 1.0 §3).
  const methods = stringList(document.token_endpoint_auth_methods_supported) ?? ['client_secret_basic'];
  const tokenEndpointAuth = methods.includes('client_secret_basic')
    ? 'client_secret_basic'
    : methods.includes('client_secret_post')
      ? 'client_secret_post'
      : undefined;
  if (!tokenEndpointAuth) return 'token endpoint accepts neither client_secret_basic nor client_secret_post';

  return { issuer, authorizationEndpoint, tokenEndpoint, jwksUri, idTokenAlgorithms, tokenEndpointAuth };
}

function endpoint(value: unknown, httpsOnly: boolean): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || (!httpsOnly && url.protocol === 'http:')) return value;
  } catch {
    // Not a URL: reported by the caller as missing.
  }
  return undefined;
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}
