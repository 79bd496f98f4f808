// The stable error codes of OIDC sign-in. Messages tell the user what to do next and never carry
// provider internals, tokens, codes or secrets.
import { HttpError } from '../../runtime/errors/index.ts';

export const oidcNotConfigured = () =>
  new HttpError(404, 'oidc_not_configured', 'Sign-in with Google is not configured on this server');

export const invalidState = () =>
  new HttpError(
    400,
    'invalid_state',
    'This sign-in attempt is unknown, expired or already used; start the sign-in again',
  );

export const invalidNonce = () =>
  new HttpError(400, 'invalid_nonce', 'The ID token was not issued for this sign-in attempt; start again');

export const invalidIdToken = () =>
  new HttpError(400, 'invalid_id_token', 'The provider returned an ID token that failed verification');

export const exchangeFailed = () =>
  new HttpError(
    400,
    'oidc_exchange_failed',
    'The provider rejected the sign-in code (it may have expired or been used already); start the sign-in again',
  );

export const providerDenied = (reason: string) =>
  new HttpError(400, 'oidc_denied', `The provider did not complete the sign-in (${reason}); try again`);

export const issuerMismatch = () =>
  new HttpError(400, 'oidc_issuer_mismatch', 'The sign-in response came from an unexpected provider');

export const missingCode = () =>
  new HttpError(400, 'invalid_request', 'The provider did not return an authorization code');

export const emailNotVerified = () =>
  new HttpError(
    403,
    'email_not_verified',
    'The provider did not share a verified email address; verify your email with the provider and sign in again',
  );

export const emailHasPassword = () =>
  new HttpError(
    409,
    'email_has_password',
    'An account with this email signs in with a password; sign in with your email and password',
  );

export const invalidHandoff = () =>
  new HttpError(
    400,
    'invalid_handoff',
    'This sign-in code is unknown, expired or already used; sign in again',
  );

export const providerUnavailable = () =>
  new HttpError(502, 'oidc_unavailable', 'The sign-in provider could not be reached; try again shortly');

export const providerMisbehaved = () =>
  new HttpError(502, 'oidc_provider_error', 'The sign-in provider gave an invalid answer; try again later');

export const clientRejected = () =>
  new HttpError(502, 'oidc_client_rejected', 'This server is not accepted by the sign-in provider');
