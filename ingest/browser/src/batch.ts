// Batching for the send queue: items are kept as serialized JSON with their UTF-8 size, so a
// batch's body size is known before it is built and every body fits in one beacon.

/**
 * Items per request (the edge takes 1,000). Ordinary events weigh 300-600 bytes, so 50 of them
 * make 15-30 KiB: the count bounds batches of ordinary events, MAX_BATCH_BYTES heavy ones.
 */
export const MAX_BATCH_ITEMS = 50;
/**
 * Body bytes per request. A page may have 64 KiB in flight across all its keepalive fetches and
 * beacons together (measured in Chromium). Batches of under half that mean one batch in flight
 * by fetch still leaves room for a beacon when the page hides, and an idle page fits two.
 */
export const MAX_BATCH_BYTES = 30 * 1024;
/** One item larger than this is dropped: the tracker carries analytics, not payloads. */
export const MAX_ITEM_BYTES = 16 * 1024;
/** What `"sentAt":"2024-01-01T00:00:00.000Z",` adds to an event when it is sent. */
export const SENT_AT_BYTES = 36;

export interface Item {
  /** The item's JSON object text. */
  json: string;
  /** Its UTF-8 size, plus what the send adds (sentAt for events). */
  bytes: number;
}

/** UTF-8 length of a string without encoding it. */
export function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // 2 bytes up to U+07FF, 3 above; each half of a surrogate pair adds 1 (4 per pair).
    if (code > 0x7f) bytes += code > 0x7ff && (code < 0xd800 || code > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

/** The request body for `items` under `field`; events get sentAt (ISO) for clock-skew correction. */
export function renderBody(field: 'events' | 'samples', items: readonly Item[], sentAt?: string): string {
  const prefix = sentAt ? `{"sentAt":"${sentAt}",` : '{';
  return `{"${field}":[${items.map((item) => prefix + item.json.slice(1)).join(',')}]}`;
}

/** Bytes of `{"samples":[` + `]}`, the longer envelope; commas are counted per item. */
const ENVELOPE_BYTES = 14;

/**
 * Consecutive batches of `items`, in order, each with at most `maxItems` items and a body of at
 * most `maxBytes` (an item too big for any batch travels alone rather than being lost here).
 */
export function splitBatches(
  items: readonly Item[],
  maxItems = MAX_BATCH_ITEMS,
  maxBytes = MAX_BATCH_BYTES,
): Item[][] {
  const batches: Item[][] = [];
  let batch: Item[] = [];
  let bytes = ENVELOPE_BYTES;
  for (const item of items) {
    if (batch.length > 0 && (batch.length >= maxItems || bytes + item.bytes + 1 > maxBytes)) {
      batches.push(batch);
      batch = [];
      bytes = ENVELOPE_BYTES;
    }
    batch.push(item);
    bytes += item.bytes + 1;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** What a body of all the items weighs at most (the envelope of the longer field, a comma per item). */
export function batchBytes(items: readonly Item[]): number {
  let bytes = ENVELOPE_BYTES;
  for (const item of items) bytes += item.bytes + 1;
  return bytes;
}

/**
 * The offline queue after adding `items` to what is stored: oldest dropped first once it holds
 * more than `maxItems` or `maxBytes`, since a long outage should keep the most recent activity.
 */
export function capQueue(items: readonly Item[], maxItems: number, maxBytes: number): Item[] {
  let start = Math.max(0, items.length - maxItems);
  let bytes = batchBytes(items.slice(start));
  while (start < items.length && bytes > maxBytes) {
    bytes -= (items[start]?.bytes ?? 0) + 1;
    start++;
  }
  return items.slice(start);
}
