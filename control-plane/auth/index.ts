// Owner authentication: password sign-up and sign-in, JWT access tokens bound to revocable
// sessions, refresh-token rotation, and the middleware other features use to require an owner.
// Never logs or stores a password, token or refresh token in the clear.
export { ownerOf, requireOwner } from './middleware.ts';
export { authRoutes } from './routes.ts';
export { type Owner, startSession, verifyAccessToken } from './sessions.ts';
