// Serves the console: index.html at `/` (and at any other page path, so a bookmarked or
// mistyped URL still opens the app), and the bundled script, stylesheet and icon under
// ASSET_PREFIX. API paths are never answered here: they fall through to their routes or to the
// JSON 404, even when the console is mounted before another API (the query API) in one server.
import type { Context, Hono, Next } from 'hono';
import type { Logger } from '../../runtime/logger/index.ts';
import { type ConsoleBundle, consoleBundle, ICON_NAME } from './bundle.ts';

export const ASSET_PREFIX = '/console/assets/';
// Asset names carry their content hash: a new build gets new names, so a year is safe.
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The page shell: no inline script or style, only same-origin files (see the control plane's CSP). */
export function renderIndexHtml(bundle: Pick<ConsoleBundle, 'script' | 'stylesheet'>): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>clickstream</title>
<link rel="icon" type="image/svg+xml" href="${ASSET_PREFIX}${ICON_NAME}">
<link rel="stylesheet" href="${ASSET_PREFIX}${bundle.stylesheet.name}">
<script defer src="${ASSET_PREFIX}${bundle.script.name}"></script>
</head>
<body>
<div id="app"><p class="boot" role="status">Loading clickstream…</p></div>
<noscript><p class="boot">The clickstream console needs JavaScript.</p></noscript>
</body>
</html>
`;
}

/** Whether a GET is a browser asking for a page of the console (not an API call or a file). */
function isPageRequest(c: Context): boolean {
  const path = c.req.path;
  if (path.startsWith('/api') || path.startsWith(ASSET_PREFIX)) return false;
  // Anything that looks like a file (favicon.ico, robots.txt) gets the 404, not the app.
  if (/\.[A-Za-z0-9]+$/.test(path)) return false;
  return (c.req.header('accept') ?? '').includes('text/html');
}

export function mountConsole(app: Hono, deps: { logger: Logger }): void {
  const bundle = async (): Promise<ConsoleBundle> => {
    const built = await consoleBundle().catch((error: unknown) => {
      deps.logger.error({ err: error }, 'console bundle failed to build');
      throw error;
    });
    return built;
  };
  let logged = false;
  const page = async (c: Context) => {
    const built = await bundle();
    if (!logged) {
      logged = true;
      deps.logger.info({ ms: built.buildMs, script: built.script.name }, 'console bundle ready');
    }
    c.header('cache-control', 'no-cache');
    return c.html(renderIndexHtml(built));
  };

  app.get('/', page);
  app.get(`${ASSET_PREFIX}:file`, async (c) => {
    const asset = (await bundle()).assets.get(c.req.param('file'));
    if (!asset) return c.notFound();
    return c.body(asset.body, 200, { 'content-type': asset.contentType, 'cache-control': IMMUTABLE });
  });
  // Last: every other page path opens the app (its hash router shows the right screen).
  app.get('*', async (c: Context, next: Next) => {
    if (!isPageRequest(c)) return next();
    return page(c);
  });
}
