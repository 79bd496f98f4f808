// Reads the environment once, at start, into a typed and frozen Config. Nothing below the
// launcher reads process.env. A bad value fails start-up with a message naming the variable
// and what was expected. Service URLs left unset select the embedded engines.
export { ConfigError, loadConfig } from './load-config.ts';
export { ensureSecrets } from './secrets.ts';
export type { Config, ServiceMode } from './types.ts';
