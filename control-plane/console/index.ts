// The owner console: the single-page web UI served at `/` (sign-up and sign-in, apps, keys,
// metric configs, the snippet, analytics). src/ is browser code, bundled in-process by esbuild
// (bundle.ts) and served from memory with index.html (serve.ts). It must never run inline script
// or style, load anything from another origin, or keep a key beyond the screen that showed it.
export { type ConsoleBundle, consoleBundle } from './bundle.ts';
export { type ConsoleConfig, consoleRoutes } from './config-route.ts';
export { ASSET_PREFIX, mountConsole, renderIndexHtml } from './serve.ts';
