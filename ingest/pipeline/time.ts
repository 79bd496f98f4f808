// Client times: parsing (ISO 8601 text or epoch milliseconds), clock-skew correction, clamping
// to a window around the server's receive time, and the text form ClickHouse reads for
// DateTime64(3, 'UTC').

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

/**
 * How far in the past a corrected event time may lie. Mobile SDKs queue events offline and
 * flush them days later, so a week is too tight; anything older than a month is a backfill, not
 * live ingest, and would land in an old monthly partition.
 */
export const MAX_EVENT_AGE_MS = 31 * MS_PER_DAY;
/**
 * How far in the future it may lie. After skew correction only network latency and clock jitter
 * remain; a minute absorbs those while keeping "future" events off live dashboards.
 */
export const MAX_EVENT_LEAD_MS = MS_PER_MINUTE;
/** The longest ISO 8601 form we read: `2026-11-21T10:00:00.123456789+05:30` is 35 characters. */
export const MAX_TIMESTAMP_LENGTH = 40;
/** 9999-12-31T23:59:59.999Z: epoch milliseconds beyond this cannot be a real client clock. */
export const MAX_EPOCH_MS = 253_402_300_799_999;

const DASH = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const COMMA = 0x2c;
const PLUS = 0x2b;
const ZERO = 0x30;

/**
 * Epoch milliseconds for an ISO 8601 / RFC 3339 date-time, NaN when it is not one. Accepts
 * `YYYY-MM-DD`, then `T`/`t`/space, `HH:MM[:SS[.fraction]]` and `Z`, `±HH:MM`, `±HHMM`, `±HH` or
 * no zone. No zone means UTC (not the server's local time, which Date.parse would use): a
 * server's time zone must never change stored data. Hand-written because it runs per event and
 * is several times faster than Date.parse.
 */
export function parseIsoTimestamp(text: string): number {
  // Each timestamp is read twice (the schema's format check, then enrichment) and a batch's
  // sentAt repeats in every event, so two remembered answers catch most calls. A miss replaces
  // the slot not used last, so the repeating sentAt stays while timestamps come and go.
  if (text === memoText[0]) {
    memoLastUsed = 0;
    return memoValue[0] ?? Number.NaN;
  }
  if (text === memoText[1]) {
    memoLastUsed = 1;
    return memoValue[1] ?? Number.NaN;
  }
  const value = parseIsoText(text);
  memoLastUsed ^= 1;
  memoText[memoLastUsed] = text;
  memoValue[memoLastUsed] = value;
  return value;
}

const memoText: (string | undefined)[] = [undefined, undefined];
const memoValue = new Float64Array(2);
let memoLastUsed = 0;

function parseIsoText(text: string): number {
  const length = text.length;
  if (length < 10 || length > MAX_TIMESTAMP_LENGTH) return Number.NaN;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  if (text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH) return Number.NaN;
  if (length === 10) return Date.UTC(year, month - 1, day);

  const separator = text[10];
  if (separator !== 'T' && separator !== 't' && separator !== ' ') return Number.NaN;
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || text.charCodeAt(13) !== COLON) return Number.NaN;
  let second = 0;
  let millisecond = 0;
  let i = 16;
  if (text.charCodeAt(i) === COLON) {
    second = digitsAt(text, 17, 2);
    // 60 is a leap second; Date.UTC rolls it into the next minute, which is as close as we get.
    if (second < 0 || second > 60) return Number.NaN;
    i = 19;
    const mark = text.charCodeAt(i);
    if (mark === DOT || mark === COMMA) {
      const start = ++i;
      while (i < length && isDigit(text.charCodeAt(i))) {
        // Only the first three fraction digits matter at millisecond precision.
        if (i - start < 3) millisecond = millisecond * 10 + (text.charCodeAt(i) - ZERO);
        i++;
      }
      const digits = i - start;
      if (digits === 0) return Number.NaN;
      if (digits === 1) millisecond *= 100;
      else if (digits === 2) millisecond *= 10;
    }
  }

  const offsetMinutes = zoneOffsetMinutes(text, i);
  if (Number.isNaN(offsetMinutes)) return Number.NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, millisecond) - offsetMinutes * MS_PER_MINUTE;
}

/** Epoch ms for a timestamp field (ISO text or epoch ms), NaN when absent or unreadable. */
export function readTimestamp(value: unknown): number {
  if (typeof value === 'number') {
    return value >= 0 && value <= MAX_EPOCH_MS ? Math.floor(value) : Number.NaN;
  }
  return typeof value === 'string' ? parseIsoTimestamp(value) : Number.NaN;
}

/**
 * When the event happened, on the server's clock. A client clock can be off by hours: when the
 * client says when it sent the event (sentAt), the difference to receivedAt is that clock's
 * error (plus latency), and applying it to the client's timestamp corrects the timestamp. The
 * result is clamped to [receivedAt - MAX_EVENT_AGE_MS, receivedAt + MAX_EVENT_LEAD_MS].
 */
export function eventTime(timestamp: number, sentAt: number, receivedAt: number): number {
  let time = receivedAt;
  if (!Number.isNaN(timestamp)) {
    time = Number.isNaN(sentAt) ? timestamp : timestamp + (receivedAt - sentAt);
  }
  return clampToWindow(time, receivedAt);
}

export function clampToWindow(time: number, receivedAt: number): number {
  const earliest = receivedAt - MAX_EVENT_AGE_MS;
  const latest = receivedAt + MAX_EVENT_LEAD_MS;
  return Math.min(Math.max(time, earliest), latest);
}

// Direct-mapped cache of "YYYY-MM-DD hh:mm:ss" per epoch second. A batch's ts and received_at
// values fall in a handful of seconds, so nearly every call is a hit.
const SECOND_CACHE_SLOTS = 16;
const cachedSeconds = new Float64Array(SECOND_CACHE_SLOTS).fill(Number.NaN);
const cachedTexts: string[] = new Array<string>(SECOND_CACHE_SLOTS).fill('');

/**
 * `YYYY-MM-DD hh:mm:ss.fff` in UTC: what ClickHouse reads for DateTime64(3, 'UTC') in JSONEachRow
 * with default settings on every server version. (Epoch-millisecond integers are read as ticks
 * by 26.x but older servers differ, so we do not depend on that.)
 */
export function formatDateTime64(epochMs: number): string {
  const ms = Math.floor(epochMs);
  // received_at is one value for a whole batch, formatted between each event's ts; the same
  // two-slot policy as parseIsoTimestamp keeps it.
  if (ms === formattedMs[0]) {
    formattedLastUsed = 0;
    return formattedText[0] ?? '';
  }
  if (ms === formattedMs[1]) {
    formattedLastUsed = 1;
    return formattedText[1] ?? '';
  }
  const second = Math.floor(ms / 1000);
  const slot = second & (SECOND_CACHE_SLOTS - 1);
  let prefix = cachedTexts[slot] ?? '';
  if (cachedSeconds[slot] !== second) {
    const iso = new Date(second * 1000).toISOString();
    prefix = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
    cachedSeconds[slot] = second;
    cachedTexts[slot] = prefix;
  }
  const milli = ms - second * 1000;
  const text = prefix + (milli < 10 ? '.00' : milli < 100 ? '.0' : '.') + milli;
  formattedLastUsed ^= 1;
  formattedMs[formattedLastUsed] = ms;
  formattedText[formattedLastUsed] = text;
  return text;
}

const formattedMs = new Float64Array(2).fill(Number.NaN);
const formattedText: string[] = ['', ''];
let formattedLastUsed = 0;

/** Minutes east of UTC for the zone designator at `i` (0 when absent), NaN when malformed. */
function zoneOffsetMinutes(text: string, i: number): number {
  const length = text.length;
  if (i === length) return 0;
  const mark = text[i];
  if (mark === 'Z' || mark === 'z') return i + 1 === length ? 0 : Number.NaN;
  if (mark !== '+' && mark !== '-') return Number.NaN;
  const hours = digitsAt(text, i + 1, 2);
  let minutes = 0;
  const rest = length - (i + 3);
  if (rest === 3 && text.charCodeAt(i + 3) === COLON) minutes = digitsAt(text, i + 4, 2);
  else if (rest === 2) minutes = digitsAt(text, i + 3, 2);
  else if (rest !== 0) return Number.NaN;
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return Number.NaN;
  const offset = hours * 60 + minutes;
  return text.charCodeAt(i) === PLUS ? offset : -offset;
}

/** The non-negative integer spelled by `count` ASCII digits at `start`, or -1. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return -1;
    value = value * 10 + (code - ZERO);
  }
  return value;
}

function isDigit(code: number): boolean {
  return code >= ZERO && code <= ZERO + 9;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
