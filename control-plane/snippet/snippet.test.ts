import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealBrowserKey } from '../keys/browser-key-vault.ts';
import { hmacKey } from '../keys/key-format.ts';
import { createHarness, type Harness, type Registered } from '../testing/harness.ts';
import { parseSnippet } from './parse-snippet.ts';
import { BROWSER_KEY_PLACEHOLDER, type TrackerConfig } from './render-snippet.ts';

interface SnippetJson {
  html: string;
  config: TrackerConfig;
  browserKey: { id: string; display: string; embedded: boolean };
}
interface ErrorBody {
  error: { code: string; details?: { field: string; message: string }[] };
}

const json = async <T>(response: Response) => (await response.json()) as T;

describe('GET /api/apps/:appId/snippet', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('embedded', { PUBLIC_INGEST_URL: 'https://ingest.example.com' });
  });
  afterAll(() => h.close());

  const snippet = (owner: Registered, query = '', appId = owner.app.id) =>
    h.request('GET', `/api/apps/${appId}/snippet${query}`, { token: owner.accessToken });

  const addMetric = async (owner: Registered, body: Record<string, unknown>) => {
    const response = await h.request('POST', '/api/metric-configs', {
      token: owner.accessToken,
      body: { appId: owner.app.id, ...body },
    });
    expect(response.status, await response.clone().text()).toBe(201);
  };

  /** What migration 0002 and issueKey are asked to do (see browser-key.ts): keep a sealed copy. */
  const keepSealedCopy = async (keyId: string, sealed: string) => {
    await h.deps.postgres.query('UPDATE api_keys SET key_sealed = $2 WHERE id = $1', [keyId, sealed]);
  };

  it('answers a ready-to-paste HTML snippet configured from the app and its enabled metrics', async () => {
    const owner = await h.register();
    await addMetric(owner, {
      name: 'signups_total',
      type: 'counter',
      labelNames: ['plan'],
      track: { clicks: ['.signup'] },
    });
    await addMetric(owner, {
      name: 'load_seconds',
      type: 'histogram',
      buckets: [1, 2],
      track: { pageViews: true },
    });
    await addMetric(owner, { name: 'hidden_total', type: 'counter', enabled: false });
    await h.request('PATCH', `/api/apps/${owner.app.id}`, {
      token: owner.accessToken,
      body: { respectDnt: true },
    });

    const response = await snippet(owner);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    const parsed = parseSnippet(html);
    expect(parsed.src).toBe('https://ingest.example.com/sdk/v1.js');
    const noTracking = {
      pageViews: false,
      clicks: [],
      scrollDepth: false,
      formSubmissions: false,
      customEvents: [],
    };
    expect(parsed.config).toEqual({
      // Browser keys are issued with a sealed copy, so the snippet carries the real key.
      apiKey: owner.keys.browser.key,
      ingestUrl: 'https://ingest.example.com',
      respectDnt: true,
      metrics: [
        {
          name: 'load_seconds',
          type: 'histogram',
          labelNames: [],
          buckets: [1, 2],
          track: { ...noTracking, pageViews: true },
        },
        {
          name: 'signups_total',
          type: 'counter',
          labelNames: ['plan'],
          track: { ...noTracking, clicks: ['.signup'] },
        },
      ],
    });
    expect(html).toContain(owner.keys.browser.key);
    expect(html).not.toContain(owner.keys.server.key);
    // Same state, same bytes.
    expect(await (await snippet(owner)).text()).toBe(html);
  });

  it('gives { html, config, browserKey } with format=json', async () => {
    const owner = await h.register();
    const response = await snippet(owner, '?format=json');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await json<SnippetJson>(response);
    expect(Object.keys(body)).toEqual(['html', 'config', 'browserKey']);
    expect(parseSnippet(body.html).config).toEqual(body.config);
    expect(body.browserKey).toEqual({
      id: owner.keys.browser.id,
      display: `${owner.keys.browser.key.slice(0, 10)}…${owner.keys.browser.key.slice(-4)}`,
      embedded: true,
    });
    expect(body.html).toBe(await (await snippet(owner)).text());
  });

  it('falls back to a placeholder for a key without a sealed copy (issued before copies were kept)', async () => {
    const owner = await h.register();
    await h.deps.postgres.query('UPDATE api_keys SET key_sealed = NULL WHERE id = $1', [
      owner.keys.browser.id,
    ]);
    const body = await json<SnippetJson>(await snippet(owner, '?format=json'));
    expect(body.config.apiKey).toBe(BROWSER_KEY_PLACEHOLDER);
    expect(body.browserKey.embedded).toBe(false);
    expect(body.html).not.toContain(owner.keys.browser.key);
  });

  it('never embeds a copy that belongs to another key (moved or tampered rows)', async () => {
    const owner = await h.register();
    const other = await h.register();
    const secret = h.deps.config.apiKeySecret;
    // Another app's browser key, sealed correctly for its own row, copied onto this owner's key.
    await keepSealedCopy(owner.keys.browser.id, sealBrowserKey(secret, other.keys.browser.key));
    const body = await json<SnippetJson>(await snippet(owner, '?format=json'));
    expect(body.config.apiKey).toBe(BROWSER_KEY_PLACEHOLDER);
    expect(body.browserKey.embedded).toBe(false);
    expect(body.html).not.toContain(other.keys.browser.key);
    expect(hmacKey(secret, other.keys.browser.key)).not.toBe(hmacKey(secret, owner.keys.browser.key));
  });

  it('keeps hostile selectors and event names inert and round-trips them exactly', async () => {
    const owner = await h.register();
    const hostile = [
      '</script><script>alert(1)</script>',
      '<!--',
      `a[title="x"], a[title='y']`,
      'div\u2028span\u2029p',
      '&amp; <b>',
    ];
    await addMetric(owner, {
      name: 'hostile_total',
      type: 'counter',
      help: '</script><script>alert("help")</script>',
      track: { clicks: hostile, formSubmissions: hostile, customEvents: hostile },
    });
    const html = await (await snippet(owner)).text();
    const parsed = parseSnippet(html);
    expect(parsed.configText).not.toMatch(/[<>&\u2028\u2029]/);
    expect(html).not.toMatch(/[\u2028\u2029]/);
    // Help text stays on the server: the tracker has no use for it.
    expect(html).not.toContain('help');
    expect(html).not.toContain('</script><script>');
    const [metric] = (parsed.config as TrackerConfig).metrics;
    expect(metric?.track).toEqual({
      pageViews: false,
      clicks: hostile,
      scrollDepth: false,
      formSubmissions: hostile,
      customEvents: hostile,
    });
  });

  it("treats another owner's app, or another app's key, as missing", async () => {
    const owner = await h.register();
    const intruder = await h.register();
    const foreignApp = await h.request('GET', `/api/apps/${owner.app.id}/snippet`, {
      token: intruder.accessToken,
    });
    expect(foreignApp.status).toBe(404);
    expect((await json<ErrorBody>(foreignApp)).error.code).toBe('app_not_found');
    const foreignKey = await snippet(owner, `?keyId=${intruder.keys.browser.id}`);
    expect(foreignKey.status).toBe(404);
    expect((await json<ErrorBody>(foreignKey)).error.code).toBe('key_not_found');
    expect((await h.request('GET', `/api/apps/${owner.app.id}/snippet`)).status).toBe(401);
  });

  it('never puts a server key in a page', async () => {
    const owner = await h.register();
    const response = await snippet(owner, `?keyId=${owner.keys.server.id}`);
    expect(response.status).toBe(400);
    const body = await json<ErrorBody>(response);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details?.map((detail) => detail.field)).toEqual(['query.keyId']);
  });

  it('uses the newest active browser key, and refuses inactive ones', async () => {
    const owner = await h.register();
    const created = await h.request('POST', '/api/keys', {
      token: owner.accessToken,
      body: { appId: owner.app.id, kind: 'browser', name: 'second' },
    });
    const second = await json<{ id: string }>(created);
    expect((await json<SnippetJson>(await snippet(owner, '?format=json'))).browserKey.id).toBe(second.id);
    const pinned = await json<SnippetJson>(
      await snippet(owner, `?format=json&keyId=${owner.keys.browser.id}`),
    );
    expect(pinned.browserKey.id).toBe(owner.keys.browser.id);

    await h.request('DELETE', `/api/keys/${second.id}`, { token: owner.accessToken });
    const revoked = await snippet(owner, `?keyId=${second.id}`);
    expect(revoked.status).toBe(409);
    expect((await json<ErrorBody>(revoked)).error.code).toBe('key_not_active');
    expect((await json<SnippetJson>(await snippet(owner, '?format=json'))).browserKey.id).toBe(
      owner.keys.browser.id,
    );

    await h.request('DELETE', `/api/keys/${owner.keys.browser.id}`, { token: owner.accessToken });
    const none = await snippet(owner);
    expect(none.status).toBe(409);
    expect((await json<ErrorBody>(none)).error.code).toBe('no_active_browser_key');
  });
});
