// Apps: an owner's tracked sites and services, with the allowed origins browser keys are bound
// to, data retention and time zone. Always owner-scoped: another owner's app is a 404.

export { getOwnedApp, insertApp, listApps } from './repository.ts';
export { appRoutes } from './routes.ts';
export { App, AppCreate } from './schemas.ts';
