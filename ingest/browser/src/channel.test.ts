// The send queue with the browser's fetch, sendBeacon and localStorage replaced by recorders and
// fake timers, so retry timing and what is stored are exact. tracker.browser.test.ts runs the same
// paths in a real browser.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BACKOFF_BASE_MS } from './backoff.ts';
import { MAX_BATCH_ITEMS, MAX_ITEM_BYTES } from './batch.ts';
import { type Channel, createChannel, FLUSH_INTERVAL_MS } from './channel.ts';

const URL_BASE = 'https://ingest.example.com/api/events/track/batch';
const KEY = 'cs_pk_test';
const STORAGE_KEY = 'queue';

interface Sent {
  url: string;
  events: { n: number; sentAt?: string }[];
}

type Answer = number | { status: number; retryAfter: string } | 'network-error';

let store: Map<string, string>;
let requests: Sent[];
let beacons: Sent[];
let answers: Answer[];
let beaconAccepts: boolean[];
let nav: { onLine: boolean; sendBeacon?: (url: string, body: string) => boolean };

const parse = (url: string, body: string): Sent => ({
  url,
  events: (JSON.parse(body) as { events: Sent['events'] }).events,
});
const stored = () => (JSON.parse(store.get(STORAGE_KEY) ?? '[]') as { n: number }[]).map((event) => event.n);
const numbers = (sent: Sent[]) => sent.map((request) => request.events.map((event) => event.n));
const event = (n: number, pad = 0) =>
  JSON.stringify({ eventType: 'track', n, ...(pad ? { pad: 'x'.repeat(pad) } : {}) });

function channel(): Channel {
  return createChannel({ url: URL_BASE, apiKey: KEY, field: 'events', storageKey: STORAGE_KEY });
}

beforeEach(() => {
  vi.useFakeTimers();
  store = new Map();
  requests = [];
  beacons = [];
  answers = [];
  beaconAccepts = [];
  nav = {
    onLine: true,
    sendBeacon: (url, body) => {
      const accepted = beaconAccepts.shift() ?? true;
      if (accepted) beacons.push(parse(url, body));
      return accepted;
    },
  };
  vi.stubGlobal('navigator', nav);
  vi.stubGlobal('localStorage', {
    getItem: (key: string) => store.get(key) ?? null,
    setItem: (key: string, value: string) => store.set(key, value),
    removeItem: (key: string) => store.delete(key),
  });
  vi.stubGlobal('fetch', async (url: string, init: { body: string }) => {
    const answer = answers.shift() ?? 202;
    if (answer === 'network-error') throw new TypeError('Failed to fetch');
    requests.push(parse(url, init.body));
    if (typeof answer === 'number') return new Response(null, { status: answer });
    return new Response(null, { status: answer.status, headers: { 'retry-after': answer.retryAfter } });
  });
  vi.spyOn(Math, 'random').mockReturnValue(0);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('batching', () => {
  it('gathers items and sends them together when the timer fires, key in the query', async () => {
    const queue = channel();
    queue.add(event(1));
    await vi.advanceTimersByTimeAsync(FLUSH_INTERVAL_MS / 2);
    queue.add(event(2));
    await vi.advanceTimersByTimeAsync(FLUSH_INTERVAL_MS / 2 - 1);
    expect(requests).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(numbers(requests)).toEqual([[1, 2]]);
    expect(requests[0]?.url).toBe(`${URL_BASE}?key=${KEY}`);
    expect(Number.isNaN(Date.parse(String(requests[0]?.events[0]?.sentAt)))).toBe(false);
  });

  it('sends a full batch at once and the rest on the timer', async () => {
    const queue = channel();
    for (let n = 0; n < MAX_BATCH_ITEMS + 5; n++) queue.add(event(n));
    await vi.advanceTimersByTimeAsync(0);
    expect(requests.map((request) => request.events.length)).toEqual([MAX_BATCH_ITEMS]);
    await vi.advanceTimersByTimeAsync(FLUSH_INTERVAL_MS);
    expect(requests.map((request) => request.events.length)).toEqual([MAX_BATCH_ITEMS, 5]);
  });

  it('drops an item too large to send', async () => {
    const queue = channel();
    queue.add(event(1, MAX_ITEM_BYTES));
    queue.add(event(2));
    queue.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(numbers(requests)).toEqual([[2]]);
  });
});

describe('retries', () => {
  it('keeps a failed batch in storage, honours Retry-After, then sends the same items', async () => {
    answers = [{ status: 503, retryAfter: '3' }];
    const queue = channel();
    queue.add(event(1));
    queue.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(stored()).toEqual([1]);
    queue.add(event(2));
    await vi.advanceTimersByTimeAsync(2_999);
    expect(requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(numbers(requests)).toEqual([[1], [1, 2]]);
    expect(store.has(STORAGE_KEY)).toBe(false);
  });

  it('backs off exponentially on network errors and 5xx/429', async () => {
    answers = ['network-error', 500, 429];
    const queue = channel();
    queue.add(event(1));
    queue.flush();
    const times: number[] = [];
    const start = Date.now();
    for (let step = 0; step < 10_000 && requests.length < 3; step += 50) {
      const before = requests.length;
      await vi.advanceTimersByTimeAsync(50);
      if (requests.length > before) times.push(Date.now() - start);
    }
    // Math.random() is 0: each wait is half its ceiling, 0.5 s then 1 s then 2 s.
    expect(times).toEqual([
      BACKOFF_BASE_MS / 2,
      BACKOFF_BASE_MS / 2 + BACKOFF_BASE_MS,
      BACKOFF_BASE_MS / 2 + BACKOFF_BASE_MS + 2 * BACKOFF_BASE_MS,
    ]);
    expect(numbers(requests)).toEqual([[1], [1], [1]]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(requests).toHaveLength(3); // the 202 needed no retry
  });

  it('never retries other 4xx, and keeps sending later items', async () => {
    answers = [400];
    const queue = channel();
    queue.add(event(1));
    queue.flush();
    await vi.advanceTimersByTimeAsync(60_000);
    queue.add(event(2));
    queue.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(numbers(requests)).toEqual([[1], [2]]);
    expect(store.has(STORAGE_KEY)).toBe(false);
  });

  it.each([401, 403])('stops for good after %i: the key will not work from this page', async (status) => {
    answers = [status];
    const queue = channel();
    queue.add(event(1));
    queue.flush();
    await vi.advanceTimersByTimeAsync(0);
    queue.add(event(2));
    queue.flush();
    queue.hide();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(numbers(requests)).toEqual([[1]]);
    expect(beacons).toEqual([]);
  });

  it('stores an unanswered batch a task later, so a page being left (which runs no timer) never stores it', async () => {
    answers = ['network-error'];
    const queue = channel();
    queue.add(event(1));
    queue.flush();
    // The failure is heard (microtasks), but no timer has run: the page could be gone by now.
    for (let tick = 0; tick < 10; tick++) await Promise.resolve();
    expect(stored()).toEqual([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(stored()).toEqual([1]);
  });

  it('stores an answered refusal (503) at once, and a page hiding next does not store it twice', async () => {
    answers = [503];
    const queue = channel();
    queue.add(event(1));
    queue.flush();
    for (let tick = 0; tick < 10; tick++) await Promise.resolve();
    expect(stored()).toEqual([1]);
    queue.hide();
    expect(stored()).toEqual([1]);
  });

  it('when the page hides in that task: offline keeps the batch at once, online leaves it to the timer', async () => {
    for (const onLine of [false, true]) {
      store.clear();
      nav.onLine = onLine;
      answers = ['network-error'];
      const queue = channel();
      queue.add(event(1));
      queue.flush();
      for (let tick = 0; tick < 10; tick++) await Promise.resolve();
      queue.hide();
      // Offline the failure was real: stored before the page can go. Online, a page being left
      // stores nothing (the browser delivers its keepalive request); one that lives on does.
      expect(stored()).toEqual(onLine ? [] : [1]);
      await vi.advanceTimersByTimeAsync(0);
      expect(stored()).toEqual([1]);
    }
  });

  it('retries at once when the browser comes back online', async () => {
    answers = ['network-error'];
    const queue = channel();
    queue.add(event(1));
    queue.flush();
    await vi.advanceTimersByTimeAsync(0);
    queue.retryNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(numbers(requests)).toEqual([[1]]);
  });
});

describe('the offline queue', () => {
  it('sends what an earlier page left, first, and takes it out of storage', async () => {
    store.set(STORAGE_KEY, `[${event(1)},${event(2)}]`);
    const queue = channel();
    queue.add(event(3));
    queue.flush();
    expect(store.has(STORAGE_KEY)).toBe(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(numbers(requests)).toEqual([[1, 2, 3]]);
  });

  it('ignores a corrupted queue', async () => {
    store.set(STORAGE_KEY, '{not json');
    const queue = channel();
    queue.add(event(1));
    queue.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(numbers(requests)).toEqual([[1]]);
    expect(store.has(STORAGE_KEY)).toBe(false);
  });

  it('forgets everything on clear()', async () => {
    store.set(STORAGE_KEY, `[${event(1)}]`);
    const queue = channel();
    queue.add(event(2));
    queue.clear();
    await vi.advanceTimersByTimeAsync(FLUSH_INTERVAL_MS);
    expect(requests).toEqual([]);
    expect(store.has(STORAGE_KEY)).toBe(false);
  });
});

describe('leaving the page', () => {
  const range = (count: number) => Array.from({ length: count }, (_, n) => n);

  it('hands the queue to sendBeacon in batches', async () => {
    const queue = channel();
    // The first full batch leaves by fetch at once; the rest is still queued when the page hides.
    for (let n = 0; n < 14; n++) queue.add(event(n, 5_000));
    queue.hide();
    await vi.advanceTimersByTimeAsync(0);
    expect(requests).toHaveLength(1);
    expect(beacons.length).toBeGreaterThan(1);
    const beaconed = beacons.flatMap((beacon) => beacon.events.map((item) => item.n));
    expect([...numbers(requests).flat(), ...beaconed]).toEqual(range(14));
    expect(beacons.every((beacon) => beacon.url === `${URL_BASE}?key=${KEY}`)).toBe(true);
  });

  it('keeps what the browser refused to beacon for the next visit', async () => {
    beaconAccepts = [true, false];
    const queue = channel();
    for (let n = 0; n < 14; n++) queue.add(event(n, 5_000));
    queue.hide();
    await vi.advanceTimersByTimeAsync(0);
    const beaconed = beacons.flatMap((beacon) => beacon.events.map((item) => item.n));
    expect(stored().length).toBeGreaterThan(0);
    expect([...numbers(requests).flat(), ...beaconed, ...stored()].sort((a, b) => a - b)).toEqual(range(14));
  });

  it('keeps everything, the request under way included, when offline', async () => {
    answers = ['network-error'];
    const queue = channel();
    queue.add(event(1));
    queue.flush(); // under way
    queue.add(event(2));
    nav.onLine = false;
    queue.hide();
    expect(beacons).toEqual([]);
    expect(stored()).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(0); // the failure must not store event 1 twice
    expect(stored()).toEqual([1, 2]);
  });

  it('keeps everything while the edge asked us to wait', async () => {
    answers = [{ status: 429, retryAfter: '30' }];
    const queue = channel();
    queue.add(event(1));
    queue.flush();
    await vi.advanceTimersByTimeAsync(0);
    queue.add(event(2));
    queue.hide();
    expect(beacons).toEqual([]);
    expect(stored()).toEqual([1, 2]);
  });

  it('while hidden never takes the stored queue, sends new items by beacon, and resumes on show()', async () => {
    answers = ['network-error'];
    const queue = channel();
    queue.add(event(1));
    queue.flush();
    await vi.advanceTimersByTimeAsync(0);
    queue.hide();
    await vi.advanceTimersByTimeAsync(60_000); // the retry comes due while hidden
    expect(stored()).toEqual([1]);
    queue.add(event(2));
    await vi.advanceTimersByTimeAsync(FLUSH_INTERVAL_MS);
    expect(numbers(beacons)).toEqual([[2]]);
    expect(requests).toEqual([]);
    queue.show();
    await vi.advanceTimersByTimeAsync(0);
    expect(numbers(requests)).toEqual([[1]]);
    expect(store.has(STORAGE_KEY)).toBe(false);
  });

  it('falls back to a keepalive fetch without sendBeacon', async () => {
    nav.sendBeacon = undefined;
    const queue = channel();
    queue.add(event(1));
    queue.hide();
    await vi.advanceTimersByTimeAsync(0);
    expect(numbers(requests)).toEqual([[1]]);
  });
});
