// Sign-in with Google, or any OpenID Connect provider named by OIDC_ISSUER: code flow with PKCE,
// state and nonce kept server side and used once, ID tokens verified against the provider's keys.
// Never puts session tokens in a URL, and never links or creates an account on an unverified email.
export { PENDING_LOGIN_TTL_MS, pendingLoginKey } from './pending-login.ts';
export { oidcRoutes } from './routes.ts';
