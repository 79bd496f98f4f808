// The authorization-code exchange at the provider's token endpoint (RFC 6749 §4.1.3 with the
// PKCE verifier of RFC 7636 §4.5). Only the ID token is kept: sign-in needs nothing else.
import type { Logger } from '../../runtime/logger/index.ts';
import type { ProviderMetadata } from './discovery.ts';
import { clientRejected, exchangeFailed, providerMisbehaved, providerUnavailable } from './errors.ts';
import { callProvider, isRecord, ProviderTransportError } from './outbound.ts';

export interface CodeExchange {
  code: string;
  codeVerifier: string;
  redirectUri: string;
  clientId: string;
  clientSecret: string;
}

/** The ID token for this code; a rejected code is a 400, a broken provider or client a 502. */
export async function exchangeCode(
  metadata: ProviderMetadata,
  exchange: CodeExchange,
  logger: Logger,
): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: exchange.code,
    redirect_uri: exchange.redirectUri,
    code_verifier: exchange.codeVerifier,
  });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (metadata.tokenEndpointAuth === 'client_secret_basic') {
    // RFC 6749 §2.3.1: both parts are form-encoded before they are joined and base64-encoded.
    const credentials = `${formEncode(exchange.clientId)}:${formEncode(exchange.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  } else {
    form.set('client_id', exchange.clientId);
    form.set('client_secret', exchange.clientSecret);
  }

  let response: Awaited<ReturnType<typeof callProvider>>;
  try {
    response = await callProvider(metadata.tokenEndpoint, { method: 'POST', headers, body: form.toString() });
  } catch (error) {
    if (!(error instanceof ProviderTransportError)) throw error;
    logger.warn({ reason: error.message }, 'oidc token endpoint unreachable');
    throw providerUnavailable();
  }

  const body = isRecord(response.json) ? response.json : {};
  // Only the OAuth error code is logged: the response could echo what we sent.
  const oauthError = typeof body.error === 'string' ? body.error.slice(0, 64) : undefined;
  if (response.status === 200) {
    if (typeof body.id_token === 'string' && body.id_token !== '') return body.id_token;
    logger.error('oidc token response has no id_token (is the openid scope allowed for this client?)');
    throw providerMisbehaved();
  }
  if (oauthError === 'invalid_client' || oauthError === 'unauthorized_client' || response.status === 401) {
    logger.error(
      { status: response.status, oauthError },
      'oidc provider rejected this client: check GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET',
    );
    throw clientRejected();
  }
  if (response.status >= 500) {
    logger.warn({ status: response.status, oauthError }, 'oidc token endpoint failed');
    throw providerUnavailable();
  }
  logger.info({ status: response.status, oauthError }, 'oidc code exchange rejected');
  throw exchangeFailed();
}

const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
