// User-Agent header -> browser, OS and device columns, with ua-parser-js 1.x (MIT; 2.x is AGPL).
// Parsing one string costs tens of microseconds, but a site's traffic repeats a few thousand
// distinct user agents, so answers are memoized in a bounded cache: from the caller's side this
// is a pure function.
import UAParser from 'ua-parser-js';

export interface DeviceInfo {
  browser: string;
  /** Major version only ("120", not "120.0.6099.109"): dashboards group by it. */
  browserVersion: string;
  os: string;
  /** As the UA states it ("17.1.2", "10"): OS versions are already coarse. */
  osVersion: string;
  /** mobile, tablet, desktop, bot, smarttv, console, wearable, embedded, or '' when unknown. */
  deviceType: string;
  deviceVendor: string;
  deviceModel: string;
}

/**
 * Distinct user agents remembered. A busy site sees a few thousand a day; 10,000 entries of a
 * ~150-character string and a small object stay under ~5 MB per edge process.
 */
export const USER_AGENT_CACHE_ENTRIES = 10_000;
/** Longer strings are junk or attacks; parsing them would only waste time and cache space. */
export const MAX_USER_AGENT_LENGTH = 1024;

const UNKNOWN: DeviceInfo = Object.freeze({
  browser: '',
  browserVersion: '',
  os: '',
  osVersion: '',
  deviceType: '',
  deviceVendor: '',
  deviceModel: '',
});

// Crawlers, link previewers, monitors and headless browsers: the signatures that cover nearly all
// of that traffic (ua-parser 1.x has no bot detection). "Xbot/" rather than any "bot" so phone
// models such as "CUBOT X30" stay phones; "+http://" is how crawlers link their documentation.
const BOT_PATTERN =
  /[a-z]bot\/|bot\.html|crawl|spider|slurp|mediapartners|bingpreview|facebookexternalhit|headlesschrome|lighthouse|pingdom|uptimerobot|phantomjs|prerender|\+https?:\/\//i;

/** Values ua-parser reports that are already our column value. */
const DEVICE_TYPES: ReadonlySet<string> = new Set([
  'mobile',
  'tablet',
  'smarttv',
  'console',
  'wearable',
  'embedded',
]);

/**
 * An approximately-LRU cache in two generations: hits in the young map are a single lookup, hits
 * in the old one are promoted, and when the young map fills the old one is dropped whole. No
 * per-hit reordering, O(1) everything, at most `capacity` entries.
 */
export class UserAgentCache {
  readonly #half: number;
  #young = new Map<string, DeviceInfo>();
  #old = new Map<string, DeviceInfo>();

  constructor(capacity: number = USER_AGENT_CACHE_ENTRIES) {
    this.#half = Math.max(1, Math.floor(capacity / 2));
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  describe(userAgent: string): DeviceInfo {
    const young = this.#young.get(userAgent);
    if (young !== undefined) return young;
    const info = this.#old.get(userAgent) ?? parseUserAgent(userAgent);
    if (this.#young.size >= this.#half) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(userAgent, info);
    return info;
  }
}

// Memoization only, so one per process is right (like the compiled schemas): it holds no
// connection or configuration, and the edge never needs a second one.
const sharedCache = new UserAgentCache();

/** Device columns for a User-Agent string, memoized. */
export function describeUserAgent(userAgent: string): DeviceInfo {
  if (userAgent === '' || userAgent.length > MAX_USER_AGENT_LENGTH) return UNKNOWN;
  return sharedCache.describe(userAgent);
}

/** The uncached parse. */
export function parseUserAgent(userAgent: string): DeviceInfo {
  if (userAgent === '' || userAgent.length > MAX_USER_AGENT_LENGTH) return UNKNOWN;
  const { browser, os, device } = new UAParser(userAgent).getResult();
  const known = browser.name !== undefined || os.name !== undefined;
  let deviceType = '';
  if (BOT_PATTERN.test(userAgent)) deviceType = 'bot';
  else if (device.type !== undefined && DEVICE_TYPES.has(device.type)) deviceType = device.type;
  // ua-parser leaves the type unset for desktops; only call it one when it recognised something,
  // so server-side libraries and scripts stay ''.
  else if (known) deviceType = 'desktop';
  return Object.freeze({
    browser: browser.name ?? '',
    browserVersion: browser.major ?? '',
    os: os.name ?? '',
    osVersion: os.version ?? '',
    deviceType,
    deviceVendor: device.vendor ?? '',
    deviceModel: device.model ?? '',
  });
}
