// Realistic `events` rows as the spool flusher sends them: JSONEachRow bytes of enriched events
// (parsed user agent, split URL, UTM, properties) for a handful of apps, generated from a seeded
// PRNG so every run inserts comparable but distinct data.
import { randomUUID } from 'node:crypto';

// Pools sized like a mid-sized site's hour of traffic: enough distinct values that the rollups'
// unique counts and dictionaries do real work, few enough to repeat as real traffic does.
const APP_COUNT = 10;
const VISITOR_POOL = 50_000;
const PATH_POOL = 500;
// About 8 events per session, as for a typical browsing session.
const EVENTS_PER_SESSION = 8;
// A flusher batch covers about the last minute; a little more for clients with late clocks.
const BATCH_SPREAD_MS = 5 * 60_000;
const IDENTIFIED_SHARE = 0.3;
const UTM_SHARE = 0.15;

const EVENT_TYPES = [
  ['pageview', 0.55],
  ['track', 0.3],
  ['identify', 0.05],
  ['screen', 0.07],
  ['group', 0.02],
  ['alias', 0.01],
] as const;
const TRACK_NAMES = [
  'Button Clicked',
  'Product Viewed',
  'Product Added',
  'Checkout Started',
  'Order Completed',
];
const BROWSERS = [
  ['Chrome', '126.0.0.0'],
  ['Safari', '17.5'],
  ['Firefox', '127.0'],
  ['Edge', '126.0.2592.87'],
  ['Samsung Internet', '25.0'],
] as const;
const SYSTEMS = [
  ['Windows', '10', 'desktop', '', ''],
  ['Mac OS', '10.15.7', 'desktop', 'Apple', 'Macintosh'],
  ['iOS', '17.5.1', 'mobile', 'Apple', 'iPhone'],
  ['Android', '14', 'mobile', 'Samsung', 'SM-S918B'],
  ['Linux', '', 'desktop', '', ''],
  ['iOS', '17.5.1', 'tablet', 'Apple', 'iPad'],
] as const;
const SCREENS = [
  [1920, 1080],
  [1440, 900],
  [390, 844],
  [412, 915],
  [2560, 1440],
  [820, 1180],
] as const;
const REFERRERS = [
  '',
  '',
  '',
  'https://www.google.com/',
  'https://news.ycombinator.com/',
  'https://t.co/x1',
  'https://duckduckgo.com/',
];
const LOCALES = ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'es-ES', 'pt-BR', 'ja-JP'];
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'ES', 'BR', 'JP', 'IN', ''];
const UTM_SOURCES = ['newsletter', 'google', 'twitter', 'partner'];

/** mulberry32: tiny, fast and good enough to shape test traffic; seeded for repeatability. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** ClickHouse's default DateTime64 text form, in UTC: 2026-01-31 23:59:59.123 */
function clickhouseTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
}

export interface GeneratedBatch {
  bytes: Buffer;
  rows: number;
}

export function generateEventBatch(rows: number, seed: number, now = Date.now()): GeneratedBatch {
  const random = prng(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const apps = Array.from(
    { length: APP_COUNT },
    (_, index) =>
      `0190${seed.toString(16).padStart(4, '0').slice(-4)}-0000-7000-8000-${index.toString(16).padStart(12, '0')}`,
  );
  const lines: string[] = new Array(rows);
  let session = '';
  let visitor = 0;
  let app = '';
  for (let index = 0; index < rows; index += 1) {
    if (index % EVENTS_PER_SESSION === 0) {
      session = randomUUID();
      visitor = Math.floor(random() * VISITOR_POOL);
      app = pick(apps);
    }
    let roll = random();
    let eventType: string = EVENT_TYPES[0][0];
    for (const [type, share] of EVENT_TYPES) {
      eventType = type;
      roll -= share;
      if (roll < 0) break;
    }
    const [browser, browserVersion] = BROWSERS[visitor % BROWSERS.length] ?? BROWSERS[0];
    const [os, osVersion, deviceType, deviceVendor, deviceModel] =
      SYSTEMS[visitor % SYSTEMS.length] ?? SYSTEMS[0];
    const [screenWidth, screenHeight] = SCREENS[visitor % SCREENS.length] ?? SCREENS[0];
    const path = `/products/${Math.floor(random() * PATH_POOL)}`;
    const referrer = pick(REFERRERS);
    const utm = random() < UTM_SHARE;
    const ts = now - Math.floor(random() * BATCH_SPREAD_MS);
    lines[index] = JSON.stringify({
      app_id: app,
      event_id: randomUUID(),
      event_type: eventType,
      name: eventType === 'track' ? pick(TRACK_NAMES) : eventType === 'pageview' ? 'Product page' : '',
      ts: clickhouseTime(ts),
      received_at: clickhouseTime(ts + 120),
      user_id: visitor / VISITOR_POOL < IDENTIFIED_SHARE ? `user_${visitor}` : '',
      anonymous_id: `anon_${visitor.toString(36)}_${app.slice(-4)}`,
      session_id: session,
      url: `https://shop.example.com${path}?ref=home`,
      host: 'shop.example.com',
      path,
      referrer,
      referrer_domain: referrer === '' ? '' : new URL(referrer).hostname,
      utm_source: utm ? pick(UTM_SOURCES) : '',
      utm_medium: utm ? 'email' : '',
      utm_campaign: utm ? 'summer_sale' : '',
      utm_term: '',
      utm_content: '',
      title: `Product ${path.slice(10)} | Example Shop`,
      browser,
      browser_version: browserVersion,
      os,
      os_version: osVersion,
      device_type: deviceType,
      device_vendor: deviceVendor,
      device_model: deviceModel,
      screen_width: screenWidth,
      screen_height: screenHeight,
      locale: LOCALES[visitor % LOCALES.length],
      country: COUNTRIES[visitor % COUNTRIES.length],
      properties: JSON.stringify({
        product_id: Math.floor(random() * 10_000),
        price: Math.round(random() * 20_000) / 100,
        currency: 'USD',
      }),
      retention_days: 365,
    });
  }
  return { bytes: Buffer.from(lines.join('\n')), rows };
}
