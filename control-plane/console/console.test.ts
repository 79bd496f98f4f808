// The console as the control plane serves it: one HTML page that runs no inline script or style
// and loads only same-origin, content-hashed files; page paths open the app while API paths keep
// their JSON answers (also when another API is mounted after the control plane, as in the
// all-in-one server); and the settings the page reads before sign-in.
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notFoundHandler } from '../../runtime/http/index.ts';
import { createHarness, type Harness } from '../testing/harness.ts';

// The script is uPlot (~50 KB) plus the console; past this something heavy slipped in.
const MAX_SCRIPT_BYTES = 200 * 1024;
const MAX_STYLESHEET_BYTES = 40 * 1024;
const HTML = { accept: 'text/html,application/xhtml+xml' };

let h: Harness;

beforeAll(async () => {
  h = await createHarness('embedded');
});
afterAll(() => h?.close());

async function page(path = '/'): Promise<{ response: Response; html: string }> {
  const response = await h.request('GET', path, { headers: HTML });
  return { response, html: await response.text() };
}

function assetPaths(html: string): { script: string; stylesheet: string } {
  const script = /<script defer src="(\/console\/assets\/app-[A-Z0-9]+\.js)"><\/script>/.exec(html)?.[1];
  const stylesheet = /<link rel="stylesheet" href="(\/console\/assets\/app-[A-Z0-9]+\.css)">/.exec(html)?.[1];
  if (!script || !stylesheet) throw new Error(`no bundle referenced in:\n${html}`);
  return { script, stylesheet };
}

describe('console page', () => {
  it('serves index.html at / with the bundle, under the strict CSP, without inline script or style', async () => {
    const { response, html } = await page();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(html).toContain('<div id="app">');
    assetPaths(html);
    // Every script element has a src and no body; nothing inline at all.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts).toHaveLength(1);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\ssrc="\//);
      expect(body).toBe('');
    }
    expect(html).not.toMatch(/<style/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
  });

  it('serves the hashed script and stylesheet for a year, within their size budgets', async () => {
    const { script, stylesheet } = assetPaths((await page()).html);
    const js = await h.request('GET', script);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('cache-control')).toContain('immutable');
    const code = await js.text();
    expect(code.length).toBeGreaterThan(10_000);
    expect(code.length).toBeLessThan(MAX_SCRIPT_BYTES);
    // Type-only imports of server schemas must not drag server code into the bundle.
    expect(code).not.toMatch(/node:crypto|pglite|ioredis|@sinclair\/typebox/);

    const css = await h.request('GET', stylesheet);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const text = await css.text();
    expect(text).toContain('.u-legend');
    expect(text.length).toBeLessThan(MAX_STYLESHEET_BYTES);

    const icon = await h.request('GET', '/console/assets/icon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
  });

  it('answers an unknown asset with the JSON 404', async () => {
    const response = await h.request('GET', '/console/assets/app-NOPE.js');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('opens the app at any page path, but never at API paths or files', async () => {
    const deep = await page('/apps/some-app/keys');
    expect(deep.response.status).toBe(200);
    expect(deep.html).toContain('<div id="app">');

    for (const path of ['/api/nope', '/api/keys/extra/segments', '/favicon.ico']) {
      const response = await h.request('GET', path, { headers: HTML });
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
    // A script asking for a page path gets JSON too: only browsers navigating get the app.
    const api = await h.request('GET', '/apps', { headers: { accept: 'application/json' } });
    expect(api.status).toBe(404);
  });

  it.each([
    ['after', false],
    ['before', true],
  ])('shares one server with an API mounted %s it (the all-in-one server)', async (_order, otherFirst) => {
    const other = new Hono();
    other.get('/api/analytics/ping', (c) => c.json({ pong: true }));
    const server = new Hono();
    if (otherFirst) server.route('/', other);
    server.route('/', h.app);
    if (!otherFirst) server.route('/', other);
    server.notFound(notFoundHandler);
    const answered = await server.request('/api/analytics/ping', { headers: HTML });
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ pong: true });
    const missing = await server.request('/api/analytics/missing', { headers: HTML });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
    const root = await server.request('/', { headers: HTML });
    expect(await root.text()).toContain('<div id="app">');
    expect(root.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});

describe('GET /api/console/config', () => {
  it('says what this deployment offers, with no secrets', async () => {
    const response = await h.request('GET', '/api/console/config');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      googleEnabled: false,
      grafanaUrl: null,
      ingestUrl: h.deps.config.publicIngestUrl,
    });
  });

  it('offers Google sign-in and Grafana when they are configured', async () => {
    const configured = await createHarness('embedded', {
      GOOGLE_CLIENT_ID: 'console-test-client',
      GOOGLE_CLIENT_SECRET: 'console-test-secret',
      GRAFANA_URL: 'https://grafana.example.com',
      PUBLIC_INGEST_URL: 'https://ingest.example.com',
    });
    try {
      const response = await configured.request('GET', '/api/console/config');
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({
        googleEnabled: true,
        grafanaUrl: 'https://grafana.example.com',
        ingestUrl: 'https://ingest.example.com',
      });
      expect(text).not.toContain('console-test');
    } finally {
      await configured.close();
    }
  });

  it('is documented in the OpenAPI document with the control plane', async () => {
    const doc = (await (await h.request('GET', '/api-docs/openapi.json')).json()) as {
      paths: Record<string, { get?: { security?: unknown[] } }>;
    };
    expect(doc.paths['/api/console/config']?.get).toBeDefined();
  });
});
