// Human-readable API docs: /api-docs renders the same OpenAPI 3.1 document the control plane
// serves at /api-docs/openapi.json (built from the route definitions that validate requests).
// It must never load anything from another origin or run inline script: the CSP forbids both.
import type { Hono } from 'hono';
import { renderApiDocsPage, STYLESHEET_PATH } from './render-page.ts';
import { API_DOCS_CSS } from './styles.ts';

export {
  escapeHtml,
  listOperations,
  OPENAPI_PATH,
  renderApiDocsPage,
  STYLESHEET_PATH,
} from './render-page.ts';

/** Serve the docs page and its stylesheet; `openApi` is the control plane's document builder. */
export function mountApiDocs(app: Hono, openApi: () => Record<string, unknown>): void {
  // Routes are fixed once the plane is built, so the page is rendered once, on first request.
  let page: string | undefined;
  app.get('/api-docs', (c) => {
    page ??= renderApiDocsPage(openApi());
    return c.html(page);
  });
  app.get(STYLESHEET_PATH, (c) => c.body(API_DOCS_CSS, 200, { 'content-type': 'text/css; charset=utf-8' }));
}
