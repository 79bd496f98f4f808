// The tracker in a real browser (Debian chromium via playwright-core), on pages carrying the real
// snippet, against a local server that plays the ingest edge. Locally a missing chromium skips
// these tests; with CI=true it fails them.
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderSnippet, type SnippetInput } from '../../control-plane/snippet/render-snippet.ts';
import { hasChromium, launchChromium } from '../../runtime/testing/chromium.ts';
import { uniqueId } from '../../runtime/testing/services.ts';
import { buildTracker } from './build.ts';
import type { ClickstreamApi } from './src/tracker.ts';
import { type FakeEdge, type Json, type Received, startFakeEdge } from './testing/fake-edge.ts';

/** How long "nothing more arrives" is watched: longer than the 2 s flush timer. */
const QUIET_MS = 2_300;
const CONTEXT_OPTIONS: BrowserContextOptions = {
  locale: 'de-DE',
  viewport: { width: 1000, height: 700 },
  screen: { width: 1920, height: 1080 },
};
/** A page of the test origin without the tracker. */
const BLANK_PAGE = '/blank';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type Win = Window & { clickstream: ClickstreamApi };
/** The API as a page with bugs calls it: any arguments. */
type Loose = Record<keyof ClickstreamApi, (...args: unknown[]) => unknown>;
type Metric = SnippetInput['metrics'][number];

const noTracking = {
  pageViews: false,
  clicks: [],
  scrollDepth: false,
  formSubmissions: false,
  customEvents: [],
};
const metric = (
  name: string,
  type: Metric['type'],
  labelNames: string[],
  track: Partial<Metric['track']>,
): Metric => ({
  name,
  type,
  labelNames,
  buckets: type === 'histogram' ? [1, 25, 50, 100] : null,
  track: { ...noTracking, ...track },
});

const METRICS: Metric[] = [
  metric('page_views_total', 'counter', ['path'], { pageViews: true }),
  // '!invalid' is not CSS: it must never match nor break the other selectors.
  metric('buy_clicks_total', 'counter', ['selector', 'plan'], {
    clicks: ['!invalid', 'button.buy', '.never'],
  }),
  metric('scroll_depth', 'histogram', ['depth'], { scrollDepth: [25, 50, 100] }),
  metric('signups_total', 'counter', ['plan'], { formSubmissions: ['#signup'], customEvents: ['signup'] }),
  metric('load_seconds', 'histogram', ['route'], { customEvents: ['app:ready'] }),
  metric('cart_value', 'gauge', ['currency'], {}),
];

const BODY = `
<h1>Clickstream test page</h1>
<button class="buy" id="buy"><span id="buy-label">Buy</span></button>
<button class="other" id="other">Other</button>
<form id="signup" action="/signed-up"><input name="id" value="clobbers form.id"><button id="submit">Sign up</button></form>
<div style="height: 4000px"></div>
<p id="section">end</p>
<script>
  document.getElementById('signup').addEventListener('submit', (event) => event.preventDefault());
  document.getElementById('buy').addEventListener('click', (event) => event.stopPropagation());
</script>`;

interface PageOptions {
  respectDnt?: boolean;
  browserKey?: string | null;
  /** Markup before the snippet, e.g. a stub queue. */
  head?: string;
  context?: BrowserContextOptions;
  initScript?: () => void;
  referer?: string;
  query?: string;
}

interface Opened {
  page: Page;
  context: BrowserContext;
  key: string;
  url: string;
  errors: Error[];
  warnings: string[];
}

let browser: Browser;
let edge: FakeEdge;
const contexts: BrowserContext[] = [];

/** Polls `read` until `done` holds (or fails after `timeoutMs`), returning the last value. */
async function until<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 6_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out; last value: ${JSON.stringify(value)?.slice(0, 2_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const named = (events: Json[], name: string) => events.filter((event) => event.name === name);
const ofType = (events: Json[], type: string) => events.filter((event) => event.eventType === type);
const metadata = (event: Json | undefined) => (event?.metadata ?? {}) as Json;
const eventIds = (requests: Received[]) =>
  requests.flatMap((request) =>
    ((request.body as { events?: Json[] }).events ?? []).map((event) => event.eventId),
  );

function publish(options: PageOptions = {}): { key: string; path: string } {
  const key =
    options.browserKey === null
      ? 'REPLACE_WITH_BROWSER_KEY'
      : (options.browserKey ?? `cs_pk_${uniqueId('k')}`);
  const { html } = renderSnippet({
    browserKey: options.browserKey === null ? null : key,
    browserKeyDisplay: 'cs_pk_test…0000',
    publicIngestUrl: edge.ingestUrl,
    respectDnt: options.respectDnt ?? true,
    metrics: METRICS,
  });
  const path = `/p/${uniqueId('page')}`;
  edge.setPage(
    path,
    `<!doctype html><html><head><meta charset="utf-8"><title>Home</title>${options.head ?? ''}${html}</head><body>${BODY}</body></html>`,
  );
  return { key, path };
}

async function open(options: PageOptions = {}): Promise<Opened> {
  const { key, path } = publish(options);
  const context = await browser.newContext({ ...CONTEXT_OPTIONS, ...options.context });
  contexts.push(context);
  if (options.initScript) await context.addInitScript(options.initScript);
  const page = await context.newPage();
  const errors: Error[] = [];
  const warnings: string[] = [];
  page.on('pageerror', (error) => errors.push(error));
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  const url = edge.pageUrl(path) + (options.query ?? '');
  await page.goto(url, options.referer ? { referer: options.referer } : {});
  return { page, context, key, url, errors, warnings };
}

interface QueueProbe {
  /** The offline queue of the key, once it holds events. */
  read(): Promise<Json[]>;
  /** Everything in the origin's localStorage, as a storageState entry. */
  snapshot(): Promise<{ name: string; value: string }[]>;
}

/**
 * Watches the offline queue of `key` from another page of the same origin (open it while
 * online). A closing page's localStorage writes reach the other pages asynchronously; waiting
 * for them keeps the "next visit" deterministic.
 */
async function openQueueProbe(context: BrowserContext, key: string): Promise<QueueProbe> {
  const probe = await context.newPage();
  await probe.goto(edge.pageUrl(BLANK_PAGE));
  return {
    read: async () => {
      const text = await until(
        () => probe.evaluate((name) => localStorage.getItem(name), `cs_queue_events:${key}`),
        (value) => value !== null,
      );
      return JSON.parse(String(text)) as Json[];
    },
    snapshot: () =>
      probe.evaluate(() =>
        Object.keys(localStorage).map((name) => ({ name, value: localStorage.getItem(name) ?? '' })),
      ),
  };
}

/** Opens a page and waits for its automatic page view to arrive. */
async function openTracked(options: PageOptions = {}): Promise<Opened> {
  const opened = await open(options);
  await until(
    () => ofType(edge.events(opened.key), 'pageview'),
    (views) => views.length === 1,
  );
  return opened;
}

describe.skipIf(!hasChromium)('browser tracker (chromium)', () => {
  beforeAll(async () => {
    const bundle = await buildTracker({ write: false });
    edge = await startFakeEdge(bundle.code);
    edge.setPage(BLANK_PAGE, '<!doctype html><title>blank</title>');
    browser = await launchChromium();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await edge?.close();
  });

  it('sends the page view at once, with page, visitor and campaign fields, then SPA navigations', async () => {
    const { page, key, url } = await open({
      referer: 'https://search.example/results',
      query: '?utm_source=news&utm_campaign=fall&x=1',
    });
    const [first] = await until(
      () => ofType(edge.events(key), 'pageview'),
      (views) => views.length === 1,
    );
    expect(first).toMatchObject({
      url,
      referrer: 'https://search.example/results',
      title: 'Home',
      screenWidth: 1920,
      screenHeight: 1080,
      locale: 'de-DE',
      metadata: { utm_source: 'news', utm_campaign: 'fall' },
    });
    expect(first?.eventId).toMatch(UUID_V4);
    expect(first?.anonymousId).toMatch(UUID_V4);
    expect(first?.sessionId).toMatch(UUID_V4);
    expect(Date.parse(String(first?.sentAt))).toBeGreaterThanOrEqual(Date.parse(String(first?.timestamp)));

    await page.evaluate(() => {
      history.pushState({}, '', '/spa/two');
      document.title = 'Two'; // set after pushState, as routers do
      history.replaceState({}, '', '/spa/two'); // same page: no new view
      setTimeout(() => (window as unknown as Win).clickstream.flush(), 150);
    });
    const views = await until(
      () => ofType(edge.events(key), 'pageview'),
      (all) => all.length === 2,
    );
    expect(views[1]).toMatchObject({ url: edge.pageUrl('/spa/two'), title: 'Two', referrer: url });
    expect(views[1]?.anonymousId).toBe(first?.anonymousId);
    expect(views[1]?.sessionId).toBe(first?.sessionId);

    await page.evaluate(() => {
      location.hash = 'section'; // an anchor, not a page
    });
    await page.goBack(); // popstate to /spa/two: the same page
    await page.goBack(); // popstate back to the first page
    await page.evaluate(() => setTimeout(() => (window as unknown as Win).clickstream.flush(), 150));
    const back = await until(
      () => ofType(edge.events(key), 'pageview'),
      (all) => all.length === 3,
    );
    expect(back[2]).toMatchObject({ url, referrer: edge.pageUrl('/spa/two') });

    const samples = await until(
      () => edge.samples(key).filter((sample) => sample.name === 'page_views_total'),
      (all) => all.length === 3,
    );
    expect(samples.map((sample) => sample.labels)).toEqual([
      { path: new URL(url).pathname },
      { path: '/spa/two' },
      { path: new URL(url).pathname },
    ]);
    expect(samples.every((sample) => sample.value === 1)).toBe(true);
  });

  it('tracks clicks on configured selectors (delegated, via closest), not others', async () => {
    const { page, key } = await openTracked();
    await page.click('#buy-label'); // inside button.buy, whose own handler stops propagation
    await page.click('#other');
    await page.click('h1');
    await page.evaluate(() => (window as unknown as Win).clickstream.flush());
    const clicks = await until(
      () => ofType(edge.events(key), 'click'),
      (all) => all.length >= 1,
    );
    await until(
      () => edge.samples(key).filter((sample) => sample.name === 'buy_clicks_total'),
      (all) => all.length >= 1,
    );
    await sleep(300);
    expect(ofType(edge.events(key), 'click')).toHaveLength(1);
    expect(clicks[0]).toMatchObject({
      name: 'button.buy',
      metadata: { selector: 'button.buy', tag: 'button', id: 'buy' },
    });
    expect(edge.samples(key).filter((sample) => sample.name === 'buy_clicks_total')).toEqual([
      expect.objectContaining({ value: 1, labels: { selector: 'button.buy' } }),
    ]);
  });

  it('reports each scroll-depth threshold once per page view', async () => {
    const { page, key } = await openTracked();
    await page.evaluate(() =>
      window.scrollTo(0, (document.documentElement.scrollHeight - innerHeight) * 0.6),
    );
    await page.evaluate(() => window.scrollTo(0, 10));
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.evaluate(() => (window as unknown as Win).clickstream.flush());
    const scrolls = await until(
      () => ofType(edge.events(key), 'scroll'),
      (all) => all.length === 3,
    );
    expect(scrolls.map((event) => metadata(event).percent)).toEqual([25, 50, 100]);
    const samples = await until(
      () => edge.samples(key).filter((sample) => sample.name === 'scroll_depth'),
      (all) => all.length === 3,
    );
    expect(samples.map((sample) => [sample.value, sample.labels])).toEqual([
      [25, { depth: '25' }],
      [50, { depth: '50' }],
      [100, { depth: '100' }],
    ]);
  });

  it('tracks form submissions, custom events (API and DOM) and identify, with labels limited to the config', async () => {
    const { page, key } = await openTracked();
    await page.click('#submit');
    await page.evaluate(() => {
      const cs = (window as unknown as Win).clickstream;
      cs.track('signup', { plan: 'pro', secret: 'not a label' });
      document.dispatchEvent(
        new CustomEvent('app:ready', { detail: { value: 1.5, route: '/home', extra: 'x' } }),
      );
      cs.identify('user-42', { email: 'a@example.com' });
      cs.track('after-identify');
      cs.flush();
    });
    const events = await until(
      () => edge.events(key),
      (all) => named(all, 'after-identify').length === 1,
    );
    expect(ofType(events, 'form_submit')).toEqual([
      expect.objectContaining({
        name: 'signup',
        metadata: { selector: '#signup', id: 'signup', action: '/signed-up' },
      }),
    ]);
    const tracked = ofType(events, 'track');
    expect(named(tracked, 'signup')[0]).toMatchObject({ metadata: { plan: 'pro', secret: 'not a label' } });
    expect(named(tracked, 'app:ready')[0]).toMatchObject({ metadata: { value: 1.5, route: '/home' } });
    const identify = ofType(events, 'identify')[0];
    expect(identify).toMatchObject({ userId: 'user-42', metadata: { email: 'a@example.com' } });
    expect(named(events, 'after-identify')[0]?.userId).toBe('user-42');
    expect(named(tracked, 'signup')[0]?.userId).toBeUndefined();

    const samples = await until(
      () =>
        edge
          .samples(key)
          .filter((sample) => sample.name === 'signups_total' || sample.name === 'load_seconds'),
      (all) => all.length === 3,
    );
    expect(samples.map((sample) => [sample.name, sample.value, sample.labels])).toEqual([
      ['signups_total', 1, {}],
      ['signups_total', 1, { plan: 'pro' }],
      ['load_seconds', 1.5, { route: '/home' }],
    ]);

    // The user id is kept across page loads.
    await page.reload();
    const reloaded = await until(
      () => ofType(edge.events(key), 'pageview'),
      (all) => all.length === 2,
    );
    expect(reloaded[1]?.userId).toBe('user-42');
  });

  it('sends metric calls with configured label names only, and runs calls queued before load', async () => {
    const { page, key } = await openTracked({
      head: `<script>window.clickstream = [['identify', 'early-user'], ['counter', 'signups_total', 3, { plan: 'early' }], ['track', 'early-event']];</script>`,
    });
    await page.evaluate(() => {
      const cs = (window as unknown as Win).clickstream;
      cs.counter('signups_total').inc(2, { plan: 'pro', bogus: 'dropped' });
      cs.counter('signups_total').inc({ plan: 'free' });
      cs.counter('signups_total').inc(-1); // counters only go up
      cs.gauge('cart_value').set(42.5, { currency: 'EUR' });
      cs.histogram('load_seconds').observe(0.25);
      cs.counter('cart_value').inc(1); // wrong type
      cs.counter('not_configured').inc(1);
      cs.gauge('cart_value').set(Number.NaN);
      cs.push(['gauge', 'cart_value', 7, { currency: 'USD' }]);
      cs.flush();
    });
    const samples = await until(
      () => edge.samples(key).filter((sample) => sample.name !== 'page_views_total'),
      (all) => all.length >= 6,
    );
    await sleep(300);
    expect(
      edge
        .samples(key)
        .filter((sample) => sample.name !== 'page_views_total')
        .map((sample) => [sample.name, sample.value, sample.labels]),
    ).toEqual([
      ['signups_total', 3, { plan: 'early' }],
      ['signups_total', 2, { plan: 'pro' }],
      ['signups_total', 1, { plan: 'free' }],
      ['cart_value', 42.5, { currency: 'EUR' }],
      ['load_seconds', 0.25, {}],
      ['cart_value', 7, { currency: 'USD' }],
    ]);
    expect(samples.every((sample) => !Number.isNaN(Date.parse(String(sample.timestamp))))).toBe(true);
    const events = await until(
      () => edge.events(key),
      (all) => named(all, 'early-event').length === 1,
    );
    expect(named(events, 'early-event')[0]?.userId).toBe('early-user');
    // The queued identify ran before the automatic page view.
    expect(ofType(events, 'pageview')[0]?.userId).toBe('early-user');
  });

  it('batches by count and sends the remainder on a timer', async () => {
    const { page, key } = await openTracked();
    await page.evaluate(() => {
      for (let i = 0; i < 120; i++) (window as unknown as Win).clickstream.track('burst', { i });
    });
    const burst = await until(
      () => named(edge.events(key), 'burst'),
      (all) => all.length >= 120,
    );
    expect(new Set(burst.map((event) => event.eventId)).size).toBe(120);
    expect(burst.map((event) => metadata(event).i)).toEqual([...Array(120).keys()]);
    // Two full batches leave at once, the remainder with the timer.
    const requests = edge.received(key).filter((request) => eventIds([request]).length > 0);
    expect(requests.slice(-3).map((request) => eventIds([request]).length)).toEqual([50, 50, 20]);
    const [, , last] = requests.slice(-3) as [Received, Received, Received];
    expect(last.at - (requests.at(-2) as Received).at).toBeGreaterThanOrEqual(1_500);
  });

  it('hands what is queued to sendBeacon when the page goes away, split under 64 KB', async () => {
    const { page, key, context, url } = await openTracked();
    edge.reply(key, { status: 202, delayMs: 1_000 }); // the first full batch is still in flight at exit
    await page.evaluate(() => {
      const cs = (window as unknown as Win).clickstream;
      cs.track('bye');
      for (let i = 0; i < 30; i++) cs.track('big', { i, pad: 'x'.repeat(4_000) });
    });
    await page.close();
    const beacons = await until(
      () => edge.received(key).filter((request) => request.mode === 'no-cors'),
      (all) => all.length >= 1,
    );
    expect(beacons.every((beacon) => beacon.contentType.startsWith('text/plain'))).toBe(true);
    // A page may have 64 KiB in flight in all: the in-flight fetch and one beacon fit, the rest
    // waits in localStorage and goes with the next visit.
    const stored = await (await openQueueProbe(context, key)).read();
    expect(stored.length).toBeGreaterThan(0);
    const next = await context.newPage();
    await next.goto(url);
    await until(
      () => named(edge.events(key), 'big'),
      (all) => all.length >= 30,
    );
    await sleep(300);
    const requests = edge.received(key).filter((request) => request.path === '/api/events/track/batch');
    expect(Math.max(...requests.map((request) => request.bytes))).toBeLessThan(32 * 1024);
    const carrying = (name: string) =>
      requests.filter((request) =>
        ((request.body as { events?: Json[] }).events ?? []).some((event) => event.name === name),
      );
    expect(carrying('big').length).toBeGreaterThanOrEqual(4);
    const ids = eventIds(requests);
    expect(new Set(ids).size).toBe(ids.length);
    expect(named(edge.events(key), 'big')).toHaveLength(30);
    expect(named(edge.events(key), 'bye')).toHaveLength(1);
  });

  it('retries 503 with backoff, honours Retry-After, keeps the eventIds, and never retries a 400', async () => {
    const { page, key } = await openTracked();
    edge.reply(key, { status: 503, headers: { 'retry-after': '2' } }, { status: 503 });
    await page.evaluate(() => {
      (window as unknown as Win).clickstream.track('retry-me');
      (window as unknown as Win).clickstream.flush();
    });
    const tries = await until(
      () => edge.received(key).filter((request) => eventIds([request]).length > 0),
      (all) => all.filter((request) => request.status === 202).length >= 2,
      8_000,
    );
    const attempts = tries.slice(1); // the page view came first
    expect(attempts.map((request) => request.status)).toEqual([503, 503, 202]);
    const [first, second, third] = attempts as [Received, Received, Received];
    expect(second.at - first.at).toBeGreaterThanOrEqual(2_000); // Retry-After: 2
    expect(second.at - first.at).toBeLessThan(3_500);
    expect(third.at - second.at).toBeGreaterThanOrEqual(900); // backoff, second attempt: 1-2 s
    expect(eventIds([second])).toEqual(eventIds([first]));
    expect(eventIds([third])).toEqual(eventIds([first]));
    expect(named(edge.events(key), 'retry-me')).toHaveLength(1);

    edge.reply(key, { status: 400, body: { error: { code: 'invalid_events', message: 'bad' } } });
    await page.evaluate(() => {
      (window as unknown as Win).clickstream.track('refused');
      (window as unknown as Win).clickstream.flush();
    });
    await until(
      () => edge.received(key).filter((request) => request.status === 400),
      (all) => all.length === 1,
    );
    await sleep(QUIET_MS);
    await page.evaluate(() => {
      (window as unknown as Win).clickstream.track('after-400');
      (window as unknown as Win).clickstream.flush();
    });
    await until(
      () => named(edge.events(key), 'after-400'),
      (all) => all.length === 1,
    );
    const refused = edge
      .received(key)
      .filter((request) =>
        ((request.body as { events?: Json[] }).events ?? []).some((event) => event.name === 'refused'),
      );
    expect(refused).toHaveLength(1);
  });

  it('keeps events in localStorage while offline and delivers them after a reload with the same eventIds', async () => {
    const { page, key, context, url } = await openTracked();
    const probe = await openQueueProbe(context, key);
    await context.setOffline(true);
    await page.evaluate(() => {
      (window as unknown as Win).clickstream.track('offline-1');
      (window as unknown as Win).clickstream.flush(); // fails: no network
      (window as unknown as Win).clickstream.track('offline-2');
    });
    await page.close(); // offline: offline-2 goes to the queue, not to a beacon that would be lost
    const stored = await probe.read();
    expect(stored.map((event) => event.name).sort()).toEqual(['offline-1', 'offline-2']);
    // The next visit gets this browser's storage in a fresh context: a closed page of the first
    // one cannot wake up when the network comes back and send the queue itself.
    const localStorage = await probe.snapshot();
    await context.close();
    const nextContext = await browser.newContext({
      ...CONTEXT_OPTIONS,
      storageState: { cookies: [], origins: [{ origin: new URL(url).origin, localStorage }] },
    });
    contexts.push(nextContext);
    const next = await nextContext.newPage();
    await next.goto(url);
    await until(
      () => edge.events(key),
      (all) => named(all, 'offline-1').length >= 1 && named(all, 'offline-2').length >= 1,
    );
    await sleep(300);
    const delivered = edge.events(key).filter((event) => String(event.name).startsWith('offline-'));
    expect(delivered.map((event) => event.eventId).sort()).toEqual(
      stored.map((event) => event.eventId).sort(),
    );
    const ids = eventIds(edge.received(key));
    expect(new Set(ids).size).toBe(ids.length);
    expect(
      await next.evaluate(() => Object.keys(localStorage).filter((name) => name.startsWith('cs_queue_'))),
    ).toEqual([]);
  });

  it('sends nothing under Do Not Track or Global Privacy Control when the app respects them', async () => {
    const dnt = () => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' });
    const gpc = () => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });
    const [withDnt, withGpc, ignored] = await Promise.all([
      open({ initScript: dnt }),
      open({ initScript: gpc }),
      open({ initScript: gpc, respectDnt: false }),
    ]);
    for (const { page } of [withDnt, withGpc, ignored]) {
      await page.evaluate(() => {
        (window as unknown as Win).clickstream.track('private');
        (window as unknown as Win).clickstream.counter('signups_total').inc();
        (window as unknown as Win).clickstream.flush();
      });
    }
    await until(
      () => named(edge.events(ignored.key), 'private'),
      (all) => all.length === 1,
    );
    await sleep(QUIET_MS);
    expect(edge.received(withDnt.key)).toEqual([]);
    expect(edge.received(withGpc.key)).toEqual([]);
    expect(await withGpc.page.evaluate(() => Object.keys(localStorage))).toEqual([]);
    expect(ofType(edge.events(ignored.key), 'pageview')).toHaveLength(1);
  });

  it('stops on optOut(), drops what was queued, remembers it across loads, and resumes on optIn()', async () => {
    const { page, key } = await openTracked();
    await page.evaluate(() => {
      const cs = (window as unknown as Win).clickstream;
      cs.track('queued-before-opt-out');
      cs.optOut();
      cs.track('while-opted-out');
      cs.counter('signups_total').inc();
      cs.flush();
    });
    await page.reload();
    await page.evaluate(() => {
      (window as unknown as Win).clickstream.track('after-reload');
      (window as unknown as Win).clickstream.flush();
    });
    await sleep(QUIET_MS);
    expect(edge.events(key).map((event) => event.eventType)).toEqual(['pageview']);
    expect(edge.samples(key).map((sample) => sample.name)).toEqual(['page_views_total']);
    expect(await page.evaluate(() => ({ ...localStorage }))).toEqual({ cs_optout: '1' });

    await page.evaluate(() => {
      (window as unknown as Win).clickstream.optIn();
      (window as unknown as Win).clickstream.track('opted-in');
      (window as unknown as Win).clickstream.flush();
    });
    await until(
      () => named(edge.events(key), 'opted-in'),
      (all) => all.length === 1,
    );
  });

  it('never lets its own failures reach the page', async () => {
    const { page, key, errors } = await openTracked();
    await page.evaluate(() => {
      const cs = (window as unknown as Win).clickstream as unknown as Loose;
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const exploding = {
        get boom() {
          throw new Error('getter');
        },
      };
      cs.track('circular', circular);
      cs.track('exploding', exploding);
      cs.track(Symbol('not a name'));
      cs.identify({ toString: () => 'object id' }, 'not traits');
      cs.page(exploding);
      cs.push(null);
      cs.push(['no-such-method']);
      cs.push(['counter']);
      (cs.counter(undefined) as { inc(value: unknown): void }).inc('NaN');
      document.dispatchEvent(new CustomEvent('signup', { detail: circular }));
      history.pushState({}, '', `${location.pathname}?pushed=1`);
      // The site breaks storage and fetch: the tracker must carry on regardless.
      Storage.prototype.setItem = () => {
        throw new DOMException('full', 'QuotaExceededError');
      };
      const realFetch = window.fetch;
      window.fetch = () => {
        throw new Error('fetch replaced by the site');
      };
      cs.track('storage-full');
      cs.flush();
      cs.track('still-working');
      setTimeout(() => {
        window.fetch = realFetch;
      }, 50);
    });
    await page.click('#buy');
    await until(
      () => edge.events(key),
      (all) => named(all, 'still-working').length === 1 && named(all, 'storage-full').length === 1,
    );
    expect(errors).toEqual([]);
    expect(named(edge.events(key), 'circular')).toEqual([]);
  });

  it('sends nothing while the snippet still holds the key placeholder, and warns once', async () => {
    const { page, warnings, errors } = await open({ browserKey: null });
    await page.evaluate(() => {
      (window as unknown as Win).clickstream.track('nothing');
      (window as unknown as Win).clickstream.counter('signups_total').inc();
      (window as unknown as Win).clickstream.flush();
    });
    await sleep(500);
    expect(edge.received('REPLACE_WITH_BROWSER_KEY')).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining('REPLACE_WITH_BROWSER_KEY')]);
    expect(errors).toEqual([]);
  });
});
