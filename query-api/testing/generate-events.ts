// Deterministic, realistic-looking events for query tests: visitors with devices and countries,
// sessions with referrers and UTM tags, page views, clicks through a product funnel, identify
// calls midway, a few events without a session or a visitor. The same seed gives the same
// events, so a failing test reproduces. Tests insert these rows and compute every expected
// answer from the same array in plain JavaScript.
import type { ClickHouse } from '../../clickhouse/index.ts';

export interface TestEvent {
  app_id: string;
  event_id: string;
  event_type: string;
  name: string;
  /** epoch ms; unique across one generated set */
  ts: number;
  user_id: string;
  anonymous_id: string;
  session_id: string;
  url: string;
  host: string;
  path: string;
  referrer: string;
  referrer_domain: string;
  utm_source: string;
  utm_medium: string;
  utm_campaign: string;
  browser: string;
  os: string;
  device_type: string;
  country: string;
  properties: Record<string, unknown>;
}

/** A small seeded PRNG (mulberry32): fast, and good enough to spread test data. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function uuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const text = hex.join('');
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}

export const PATHS = [
  '/',
  '/pricing',
  '/docs',
  '/blog',
  '/blog/launch',
  '/signup',
  '/login',
  '/features',
  '/about',
  '/contact',
  '/changelog',
  '/careers',
];
export const REFERRERS = [
  '',
  '',
  'google.com',
  'news.ycombinator.com',
  't.co',
  'duckduckgo.com',
  'github.com',
];
export const BROWSERS = ['Chrome', 'Chrome', 'Safari', 'Firefox', 'Edge', 'Samsung Internet', ''];
export const OSES = ['Windows', 'macOS', 'iOS', 'Android', 'Linux'];
export const DEVICES = ['desktop', 'desktop', 'mobile', 'tablet', ''];
export const COUNTRIES = ['US', 'DE', 'FR', 'IN', 'BR', 'JP', ''];
export const UTM_SOURCES = ['', '', '', 'newsletter', 'twitter', 'google'];
export const UTM_CAMPAIGNS = ['', '', 'spring_sale', 'launch', 'retargeting'];
export const FUNNEL = ['view_product', 'add_to_cart', 'checkout', 'purchase'];
export const PLANS = ['free', 'free', 'pro', 'team'];

export interface GenerateOptions {
  appId: string;
  seed: number;
  /** epoch ms: sessions start in [from, to - 2h) */
  from: number;
  to: number;
  visitors: number;
  /** Prefix for every id and free-text value, so two apps' data can never be confused. */
  marker?: string;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export function generateEvents(options: GenerateOptions): TestEvent[] {
  const random = prng(options.seed);
  const mark = options.marker ?? '';
  const events: TestEvent[] = [];
  const used = new Set<number>();
  const uniqueTs = (ts: number) => {
    let at = Math.floor(ts);
    while (used.has(at)) at += 1;
    used.add(at);
    return at;
  };
  for (let v = 0; v < options.visitors; v += 1) {
    const anonymous = `${mark}anon-${options.seed}-${v}`;
    const identifiedAs = random() < 0.4 ? `${mark}user-${options.seed}-${v}` : '';
    let identified = false;
    const browser = pick(random, BROWSERS);
    const os = pick(random, OSES);
    const device = pick(random, DEVICES);
    const country = pick(random, COUNTRIES);
    const plan = pick(random, PLANS);
    const sessions = 1 + Math.floor(random() * 4);
    for (let s = 0; s < sessions; s += 1) {
      const sessionId = `${mark}s-${options.seed}-${v}-${s}`;
      const referrer = pick(random, REFERRERS);
      const utmSource = pick(random, UTM_SOURCES);
      const utmCampaign = pick(random, UTM_CAMPAIGNS);
      let ts = options.from + random() * (options.to - options.from - 2 * HOUR);
      const length = 1 + Math.floor(random() ** 2 * 12);
      let funnelStep = 0;
      for (let e = 0; e < length; e += 1) {
        const roll = random();
        let eventType = 'pageview';
        let name = '';
        if (e > 0 && roll < 0.3) {
          eventType = 'track';
          // Most visitors walk the funnel in order and drop off; some click around out of order.
          if (random() < 0.8) {
            name = FUNNEL[Math.min(funnelStep, FUNNEL.length - 1)] ?? 'view_product';
            if (random() < 0.7) funnelStep += 1;
          } else {
            name = pick(random, FUNNEL);
          }
        } else if (e > 0 && roll < 0.35 && identifiedAs !== '' && !identified) {
          eventType = 'identify';
          identified = true;
        } else if (e > 0 && roll < 0.4) {
          eventType = 'screen';
          name = `${mark}Home`;
        }
        const path = pick(random, PATHS);
        const noSession = random() < 0.02;
        const noVisitor = random() < 0.01;
        events.push({
          app_id: options.appId,
          event_id: uuid(random),
          event_type: eventType,
          name,
          ts: uniqueTs(ts),
          user_id: noVisitor ? '' : identified ? identifiedAs : '',
          anonymous_id: noVisitor ? '' : anonymous,
          session_id: noSession ? '' : sessionId,
          url: `https://${mark}shop.example.com${path}`,
          host: `${mark}shop.example.com`,
          path: `${mark}${path}`,
          referrer: referrer === '' ? '' : `https://${mark}${referrer}/`,
          referrer_domain: referrer === '' ? '' : `${mark}${referrer}`,
          utm_source: utmSource === '' ? '' : `${mark}${utmSource}`,
          utm_medium: utmSource === '' ? '' : 'social',
          utm_campaign: utmCampaign === '' ? '' : `${mark}${utmCampaign}`,
          browser: browser === '' ? '' : `${mark}${browser}`,
          os: `${mark}${os}`,
          device_type: device,
          country,
          properties: {
            plan: `${mark}${plan}`,
            n: Math.floor(random() * 3),
            ...(random() < 0.5 ? { billing: { tier: `${mark}${pick(random, ['a', 'b'])}` } } : {}),
          },
        });
        ts += 5 * SECOND + random() * 10 * MINUTE;
      }
    }
  }
  return events.sort((a, b) => a.ts - b.ts);
}

/** A UTC instant as ClickHouse's DateTime64 text. */
export function chTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

// Far beyond the tests' dates, so TTL merges never remove rows mid-test.
const TEST_RETENTION_DAYS = 3650;
// Several inserts make several parts, so rollup answers come from merged partial states.
const INSERT_BATCHES = 3;

/** Inserts the events the way the flusher does (JSONEachRow batches), firing the rollup views. */
export async function insertEvents(ch: ClickHouse, events: readonly TestEvent[]): Promise<void> {
  const size = Math.ceil(events.length / INSERT_BATCHES);
  for (let start = 0; start < events.length; start += size) {
    await ch.insert(
      'events',
      events.slice(start, start + size).map((event) => ({
        ...event,
        ts: chTime(event.ts),
        received_at: chTime(event.ts + 250),
        properties: JSON.stringify(event.properties),
        retention_days: TEST_RETENTION_DAYS,
      })),
    );
  }
}
