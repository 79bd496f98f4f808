// Page URLs and referrers split into the parts dashboards group by: host, path, UTM parameters,
// referrer domain. Hand-written splitting instead of `new URL()`: it runs for every event, never
// throws, and keeps odd-but-real inputs (relative URLs, app schemes) instead of rejecting them.

export interface UrlParts {
  /** Lower-case host name without user info or port; '' for relative URLs. */
  host: string;
  /** The path as sent (still percent-encoded), '/' when a host has none. */
  path: string;
  /** The query string without '?', '' when absent. */
  query: string;
}

export interface Campaign {
  source: string;
  medium: string;
  campaign: string;
  term: string;
  content: string;
}

/**
 * UTM values feed LowCardinality columns and dashboards group by them; longer values are
 * tracking-link mistakes (whole URLs pasted into a parameter), so they are cut here.
 */
export const MAX_UTM_VALUE_LENGTH = 256;

export const NO_CAMPAIGN: Campaign = Object.freeze({
  source: '',
  medium: '',
  campaign: '',
  term: '',
  content: '',
});

const EMPTY_PARTS: UrlParts = Object.freeze({ host: '', path: '', query: '' });
const SCHEME_SEPARATOR = '://';
/** "chrome-extension://" is the longest scheme real pages report; this bounds the search. */
const MAX_SCHEME_LENGTH = 32;
const SCHEME_CHARS = /^[a-zA-Z][a-zA-Z0-9+.-]*$/;
const UPPER_CASE = /[A-Z]/;
const WWW_PREFIX = 'www.';
const UTM_PREFIX = 'utm_';
const SLASH = 0x2f;
const QUESTION = 0x3f;
const HASH = 0x23;
const BACKSLASH = 0x5c;
const AMPERSAND = 0x26;

export function splitUrl(url: string): UrlParts {
  if (url === '') return EMPTY_PARTS;
  let host = '';
  let rest = 0;
  const known = knownOrigin(url);
  if (known >= 0) {
    host = originHosts[known] ?? '';
    rest = originPrefixes[known]?.length ?? 0;
  } else {
    const schemeEnd = url.indexOf(SCHEME_SEPARATOR);
    if (schemeEnd > 0 && schemeEnd <= MAX_SCHEME_LENGTH && SCHEME_CHARS.test(url.slice(0, schemeEnd))) {
      const authorityStart = schemeEnd + SCHEME_SEPARATOR.length;
      rest = endOfAuthority(url, authorityStart);
      host = hostName(url.slice(authorityStart, rest));
      rememberOrigin(url.slice(0, rest), host);
    }
  }
  const hash = url.indexOf('#', rest);
  const end = hash === -1 ? url.length : hash;
  const question = url.indexOf('?', rest);
  const pathEnd = question === -1 || question > end ? end : question;
  let path = url.slice(rest, pathEnd);
  if (path === '' && host !== '') path = '/';
  const query = pathEnd < end ? url.slice(pathEnd + 1, end) : '';
  return { host, path, query };
}

// The last few "scheme://authority" prefixes and their host names. An app's events share one or
// two origins and their referrers a few more, so most URLs skip authority parsing entirely.
const ORIGIN_SLOTS = 4;
const originPrefixes: string[] = new Array<string>(ORIGIN_SLOTS).fill('');
const originHosts: string[] = new Array<string>(ORIGIN_SLOTS).fill('');
let nextOriginSlot = 0;

function knownOrigin(url: string): number {
  for (let slot = 0; slot < ORIGIN_SLOTS; slot++) {
    const prefix = originPrefixes[slot] ?? '';
    if (prefix !== '' && url.startsWith(prefix) && isAuthorityEnd(url, prefix.length)) return slot;
  }
  return -1;
}

function rememberOrigin(prefix: string, host: string): void {
  originPrefixes[nextOriginSlot] = prefix;
  originHosts[nextOriginSlot] = host;
  nextOriginSlot = (nextOriginSlot + 1) % ORIGIN_SLOTS;
}

/** The referrer's host without a leading "www.", so www.google.com and google.com count together. */
export function referrerDomain(referrer: string): string {
  // A batch's events mostly share one referrer (the page that brought the visitor).
  if (referrer === lastReferrer) return lastReferrerDomain;
  const { host } = splitUrl(referrer);
  lastReferrer = referrer;
  lastReferrerDomain = host.startsWith(WWW_PREFIX) ? host.slice(WWW_PREFIX.length) : host;
  return lastReferrerDomain;
}

let lastReferrer = '';
let lastReferrerDomain = '';

/** utm_source & co. from a query string (the first occurrence of each wins), decoded. */
export function campaignFromQuery(query: string): Campaign {
  let at = query.indexOf(UTM_PREFIX);
  if (at === -1) return NO_CAMPAIGN;
  let campaign: Campaign | undefined;
  for (; at !== -1; at = query.indexOf(UTM_PREFIX, at + UTM_PREFIX.length)) {
    // Only at the start of a pair: "?x=utm_source" is a value, not a key.
    if (at !== 0 && query.charCodeAt(at - 1) !== AMPERSAND) continue;
    const next = query.indexOf('&', at);
    const end = next === -1 ? query.length : next;
    const equals = query.indexOf('=', at);
    if (equals === -1 || equals > end) continue;
    const key = utmKeyAt(query, at + UTM_PREFIX.length, equals);
    if (key === undefined) continue;
    campaign ??= { ...NO_CAMPAIGN };
    if (campaign[key] === '') campaign[key] = limitUtm(decodeQueryValue(query.slice(equals + 1, end)));
  }
  return campaign ?? NO_CAMPAIGN;
}

const UTM_KEYS = ['source', 'medium', 'campaign', 'term', 'content'] as const;

/** Which utm_ key spans [start, equals), compared in place rather than sliced out. */
function utmKeyAt(query: string, start: number, equals: number): keyof Campaign | undefined {
  for (const key of UTM_KEYS) {
    if (key.length === equals - start && query.startsWith(key, start)) return key;
  }
  return undefined;
}

export function limitUtm(value: string): string {
  return value.length > MAX_UTM_VALUE_LENGTH ? value.slice(0, MAX_UTM_VALUE_LENGTH) : value;
}

function endOfAuthority(url: string, start: number): number {
  for (let i = start; i < url.length; i++) {
    if (isAuthorityEnd(url, i)) return i;
  }
  return url.length;
}

function isAuthorityEnd(url: string, index: number): boolean {
  if (index >= url.length) return index === url.length;
  const code = url.charCodeAt(index);
  return code === SLASH || code === QUESTION || code === HASH || code === BACKSLASH;
}

function hostName(authority: string): string {
  const at = authority.lastIndexOf('@');
  let host = at === -1 ? authority : authority.slice(at + 1);
  if (host.startsWith('[')) {
    // IPv6 literal: keep the brackets, drop a port after them.
    const close = host.indexOf(']');
    host = close === -1 ? host : host.slice(0, close + 1);
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) host = host.slice(0, colon);
  }
  return UPPER_CASE.test(host) ? host.toLowerCase() : host;
}

/** application/x-www-form-urlencoded value: '+' is a space; a malformed %-escape stays as sent. */
function decodeQueryValue(raw: string): string {
  const spaced = raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    // URIError on a malformed escape such as "%E0%A4%A": the raw text is still a useful value.
    return spaced;
  }
}
