// One send queue per endpoint (events, metric samples): batches in memory, sends one request at a
// time, retries with backoff, and keeps what failed in localStorage so it survives a reload and is
// sent later with the same content (same eventIds). What is taken from storage for a send is
// removed from it first, so two tabs never send the same stored items.
import { classifyStatus, parseRetryAfter, retryDelay } from './backoff.ts';
import {
  batchBytes,
  capQueue,
  type Item,
  MAX_BATCH_BYTES,
  MAX_BATCH_ITEMS,
  MAX_ITEM_BYTES,
  renderBody,
  SENT_AT_BYTES,
  splitBatches,
  utf8Bytes,
} from './batch.ts';
import { guard } from './guard.ts';
import { loadItem, removeItem, saveItem } from './storage.ts';

/** Events come in bursts (a click, a navigation): two seconds gathers one without losing much if the tab dies. */
export const FLUSH_INTERVAL_MS = 2_000;
/** At most this many items wait offline: days of normal use, dropping the oldest beyond. */
export const OFFLINE_QUEUE_MAX_ITEMS = 1_000;
/** And at most this much text: a tenth of the ~5 MB localStorage quota the host page shares with us. */
export const OFFLINE_QUEUE_MAX_BYTES = 512 * 1024;

export interface ChannelOptions {
  /** Endpoint URL without query, e.g. https://ingest.example.com/api/events/track/batch */
  url: string;
  apiKey: string;
  field: 'events' | 'samples';
  /** localStorage key of this channel's offline queue. */
  storageKey: string;
}

export interface Channel {
  /** Queue one item (its JSON object text). */
  add(json: string): void;
  /** Send what is queued now (one request; the rest follows as each one succeeds). */
  flush(): void;
  /**
   * The page is hidden and may be gone any moment: hand what is queued to sendBeacon (or keep it
   * for the next visit), and until show() send only that way, never taking the stored queue.
   */
  hide(): void;
  /** The page is visible again: back to normal sending. */
  show(): void;
  /** Connectivity is back: skip the rest of the backoff. */
  retryNow(): void;
  /** Forget everything queued, in memory and stored (opt-out). */
  clear(): void;
}

type Timer = ReturnType<typeof setTimeout>;

export function createChannel({ url, apiKey, field, storageKey }: ChannelOptions): Channel {
  // The key travels in the query for every request: beacons cannot set headers, and a text/plain
  // POST with no custom header is a CORS "simple request", so no preflight doubles each send. A
  // browser key is public by design (it is in the page), so the URL reveals nothing.
  const target = `${url}?key=${encodeURIComponent(apiKey)}`;
  const extraBytes = field === 'events' ? SENT_AT_BYTES : 0;
  let buffer: Item[] = [];
  let flushTimer: Timer | undefined;
  let retryTimer: Timer | undefined;
  let attempt = 0;
  /** The batch of the request under way, until it is answered or handed to storage. */
  let inFlight: Item[] | undefined;
  /** A batch whose send got no answer, until it is stored a task later (see storeLater). */
  let failed: Item[] | undefined;
  /** Set by 401/403: this key will not work from this page, so stop trying. */
  let refused = false;
  /** Between hide() and show(). */
  let hidden = false;

  const toItem = (json: string): Item => ({ json, bytes: utf8Bytes(json) + extraBytes });
  const body = (items: readonly Item[]) =>
    renderBody(field, items, field === 'events' ? new Date().toISOString() : undefined);
  const post = (text: string) =>
    fetch(target, { method: 'POST', body: text, keepalive: true, credentials: 'omit' });

  function readStored(): Item[] {
    const text = loadItem(storageKey);
    if (!text) return [];
    try {
      const stored: unknown = JSON.parse(text);
      if (Array.isArray(stored)) {
        return stored
          .filter((entry) => entry && typeof entry === 'object')
          .map((entry) => toItem(JSON.stringify(entry)));
      }
    } catch {
      // Corrupted: nothing to recover.
    }
    return [];
  }

  function store(items: readonly Item[]): void {
    const queue = capQueue(readStored().concat(items), OFFLINE_QUEUE_MAX_ITEMS, OFFLINE_QUEUE_MAX_BYTES);
    if (queue.length > 0) saveItem(storageKey, `[${queue.map((item) => item.json).join(',')}]`);
    else removeItem(storageKey);
  }

  /**
   * Leaving the page rejects a keepalive fetch that the browser still delivers, and a page being
   * left runs no more timers: so an unanswered batch is stored one task later, and is not stored
   * for the next page to send again. handOver decides for it while it waits.
   */
  function storeLater(batch: Item[]): void {
    failed = batch;
    setTimeout(
      guard(() => {
        if (failed !== batch) return;
        failed = undefined;
        store(batch);
      }),
      0,
    );
  }

  function claimStored(): Item[] {
    const items = readStored();
    if (loadItem(storageKey) !== null) removeItem(storageKey);
    return items;
  }

  function schedule(): void {
    if (buffer.length > 0 && !flushTimer) flushTimer = setTimeout(guard(flush), FLUSH_INTERVAL_MS);
  }

  function full(): boolean {
    return buffer.length >= MAX_BATCH_ITEMS || batchBytes(buffer) >= MAX_BATCH_BYTES;
  }

  function flush(): void {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    // A hidden page can be torn down between taking the stored queue and hearing back: it would
    // be lost. So the stored queue waits for a visible page, and new items go by beacon.
    if (hidden) {
      handOver();
      return;
    }
    if (refused || inFlight || retryTimer) return;
    const [batch, ...rest] = splitBatches(claimStored().concat(buffer));
    buffer = ([] as Item[]).concat(...rest);
    if (!batch) return;
    inFlight = batch;
    Promise.resolve()
      .then(() => post(body(batch)))
      .then(
        (response) => ({
          verdict: classifyStatus(response.status),
          retryAfter: parseRetryAfter(response.headers.get('retry-after'), Date.now()),
          unanswered: false,
        }),
        // Network error, offline, CORS refusal: all worth another try later.
        () => ({ verdict: 'retry' as const, retryAfter: undefined, unanswered: true }),
      )
      .then(({ verdict, retryAfter, unanswered }) => {
        const ours = inFlight === batch;
        inFlight = undefined;
        if (verdict === 'retry') {
          // An answer (429, 5xx) means the edge has not stored it: keep it now. An unanswered
          // send waits a task (storeLater).
          if (ours) (unanswered ? storeLater : store)(batch);
          retryTimer = setTimeout(
            guard(() => {
              retryTimer = undefined;
              flush();
            }),
            retryDelay(attempt++, Math.random(), retryAfter),
          );
          return;
        }
        attempt = 0;
        // 'drop' (400, 413...): sending it again cannot succeed, so it is not kept.
        if (verdict === 'key') {
          refused = true;
          buffer = [];
        } else if (full()) flush();
        else schedule();
      })
      .catch(() => {
        inFlight = undefined;
      });
  }

  function handOver(): void {
    if (refused) return;
    let keep: Item[] = [];
    const offline = navigator.onLine === false;
    // Without network the request under way fails, and its answer would reach no one; and an
    // unanswered send not stored yet failed for real: keep both now. With network the unanswered
    // send stays to its timer, which a page that lives on runs and a page being left (whose
    // keepalive request the browser delivers anyway) does not.
    if (offline) {
      keep = (inFlight ?? []).concat(failed ?? []);
      inFlight = undefined;
      failed = undefined;
    }
    // The edge asked us to wait, or there is no network: a beacon would be lost, so keep it all.
    if (retryTimer || offline) keep = keep.concat(buffer);
    else {
      for (const batch of splitBatches(buffer)) {
        const text = body(batch);
        if (typeof navigator.sendBeacon !== 'function') {
          post(text).catch(guard(() => store(batch)));
        } else if (!navigator.sendBeacon(target, text)) {
          // Browsers allow 64 KiB in flight across all beacons and keepalive fetches of a page
          // (measured in Chromium): what does not fit now waits for the next visit.
          keep = keep.concat(batch);
        }
      }
    }
    buffer = [];
    // One write: a closing page's last writes should not race each other.
    if (keep.length > 0) store(keep);
  }

  return {
    add(json) {
      if (refused) return;
      const item = toItem(json);
      if (item.bytes > MAX_ITEM_BYTES) return;
      buffer.push(item);
      if (!full()) schedule();
      else if (!retryTimer) flush();
      else {
        // Waiting out a backoff: park full batches in the capped offline queue, not in memory.
        store(buffer);
        buffer = [];
      }
    },
    flush,
    hide() {
      hidden = true;
      clearTimeout(flushTimer);
      flushTimer = undefined;
      handOver();
    },
    show() {
      if (!hidden) return;
      hidden = false;
      flush();
    },
    retryNow() {
      if (!retryTimer) return;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      flush();
    },
    clear() {
      buffer = [];
      failed = undefined;
      removeItem(storageKey);
    },
  };
}
