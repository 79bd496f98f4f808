// Event ids: the client's UUID when it sent one, a UUID derived from the app and the client's id
// when it sent another kind of id (so a retried event keeps its id), else a fresh UUIDv7
// (time-ordered, so ids sort and compress like the rows they label).
import { randomFillSync } from 'node:crypto';

export interface UuidV7Options {
  /** Milliseconds since the epoch; Date.now by default. */
  now?: () => number;
  /** Fills the buffer with random bytes; crypto.randomFillSync by default. */
  randomFill?: (bytes: Uint8Array) => void;
}

/**
 * Random bytes fetched per refill. Each id uses 10; one 4 KiB fill serves ~400 ids, so the
 * cost of the crypto call all but disappears per id.
 */
const RANDOM_POOL_BYTES = 4096;
const BYTES_PER_ID = 10;
/** rand_a is a 12-bit counter (RFC 9562 §6.2 method 1) seeded below 2048, so ≥2048 ids fit per ms. */
const COUNTER_MAX = 0xfff;
const COUNTER_SEED_MASK = 0x7ff;
const TWO_POW_32 = 2 ** 32;

const HEX: readonly string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * A UUIDv7 generator (RFC 9562): 48-bit Unix milliseconds, a 12-bit counter, 62 random bits.
 * Ids from one generator strictly increase, also within one millisecond and when the clock steps
 * back (the generator keeps its own clock from going backwards, and borrows the next
 * millisecond if 2048+ ids are asked for in one).
 */
export function createUuidV7Generator(options: UuidV7Options = {}): () => string {
  const now = options.now ?? Date.now;
  const randomFill = options.randomFill ?? ((bytes: Uint8Array) => randomFillSync(bytes));
  const pool = new Uint8Array(RANDOM_POOL_BYTES);
  let offset = RANDOM_POOL_BYTES;
  let lastMs = -1;
  let counter = 0;
  const at = (index: number) => pool[index] ?? 0;

  return function newUuidV7(): string {
    if (offset + BYTES_PER_ID > RANDOM_POOL_BYTES) {
      randomFill(pool);
      offset = 0;
    }
    const clock = Math.floor(now());
    const seed = ((at(offset) << 8) | at(offset + 1)) & COUNTER_SEED_MASK;
    if (clock > lastMs) {
      lastMs = clock;
      counter = seed;
    } else if (++counter > COUNTER_MAX) {
      lastMs++;
      counter = seed;
    }
    const r = offset + 2;
    offset += BYTES_PER_ID;
    const high = Math.floor(lastMs / TWO_POW_32);
    const low = lastMs >>> 0;
    return (
      `${HEX[(high >>> 8) & 0xff]}${HEX[high & 0xff]}${HEX[low >>> 24]}${HEX[(low >>> 16) & 0xff]}-` +
      `${HEX[(low >>> 8) & 0xff]}${HEX[low & 0xff]}-` +
      `${HEX[0x70 | (counter >>> 8)]}${HEX[counter & 0xff]}-` +
      `${HEX[(at(r) & 0x3f) | 0x80]}${HEX[at(r + 1)]}-` +
      `${HEX[at(r + 2)]}${HEX[at(r + 3)]}${HEX[at(r + 4)]}${HEX[at(r + 5)]}${HEX[at(r + 6)]}${HEX[at(r + 7)]}`
    );
  };
}

/** 8-4-4-4-12 hexadecimal, any case. */
export function isUuid(text: string): boolean {
  return text.length === 36 && UUID_PATTERN.test(text);
}

/** Client ids are at most 128 characters (≤ 384 bytes of UTF-8) plus a UUID; grows if ever needed. */
let hashInput = Buffer.allocUnsafe(512);
const hashOutput = new Uint32Array(4);

/**
 * A UUIDv8 (RFC 9562 §5.8, "custom") holding MurmurHash3_x86_128 of the UTF-8 text
 * `${namespace}:${name}`. Deterministic: the same client id in the same app always maps to the
 * same event id. Not cryptographic, and it need not be: ids only have to be stable and distinct
 * within an app (nothing deduplicates or authorizes by them), and Segment's analytics.js sends a
 * non-UUID messageId with every event, where SHA-1 (UUIDv5) measured ~15x slower per event.
 */
export function stableUuid(namespace: string, name: string): string {
  let size = Buffer.byteLength(name, 'utf8') + namespace.length + 1;
  if (size > hashInput.length) hashInput = Buffer.allocUnsafe(size);
  size = hashInput.write(namespace, 0, 'latin1');
  hashInput[size++] = 0x3a;
  size += hashInput.write(name, size, 'utf8');
  murmur3x86x128(hashInput, size, 0, hashOutput);
  const h1 = hashOutput[0] ?? 0;
  const h2 = hashOutput[1] ?? 0;
  const h3 = hashOutput[2] ?? 0;
  const h4 = hashOutput[3] ?? 0;
  return (
    `${hex32(h1)}-${hex16(h2 >>> 16)}-${hex16(((h2 & 0x0fff) | 0x8000) & 0xffff)}-` +
    `${hex16(((h3 >>> 16) & 0x3fff) | 0x8000)}-${hex16(h3 & 0xffff)}${hex32(h4)}`
  );
}

/**
 * MurmurHash3_x86_128 (Austin Appleby, public domain) of bytes[0, length), as four uint32 words
 * h1..h4 (the reference implementation's output order).
 */
export function murmur3x86x128(bytes: Uint8Array, length: number, seed: number, out: Uint32Array): void {
  const c1 = 0x239b961b;
  const c2 = 0xab0e9789;
  const c3 = 0x38b34ae5;
  const c4 = 0xa1e38b93;
  let h1 = seed | 0;
  let h2 = seed | 0;
  let h3 = seed | 0;
  let h4 = seed | 0;
  const blocks = length & ~15;
  for (let i = 0; i < blocks; i += 16) {
    h1 ^= mixK(littleEndian(bytes, i, i + 4), c1, 15, c2);
    h1 = rotl(h1, 19) + h2;
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
    h2 ^= mixK(littleEndian(bytes, i + 4, i + 8), c2, 16, c3);
    h2 = rotl(h2, 17) + h3;
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
    h3 ^= mixK(littleEndian(bytes, i + 8, i + 12), c3, 17, c4);
    h3 = rotl(h3, 15) + h4;
    h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;
    h4 ^= mixK(littleEndian(bytes, i + 12, i + 16), c4, 18, c1);
    h4 = rotl(h4, 13) + h1;
    h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }
  // The tail: up to 15 bytes into k1..k4 (missing bytes are zero).
  const rest = length - blocks;
  if (rest > 12) h4 ^= mixK(littleEndian(bytes, blocks + 12, length), c4, 18, c1);
  if (rest > 8) h3 ^= mixK(littleEndian(bytes, blocks + 8, Math.min(length, blocks + 12)), c3, 17, c4);
  if (rest > 4) h2 ^= mixK(littleEndian(bytes, blocks + 4, Math.min(length, blocks + 8)), c2, 16, c3);
  if (rest > 0) h1 ^= mixK(littleEndian(bytes, blocks, Math.min(length, blocks + 4)), c1, 15, c2);

  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h3 = fmix32(h3);
  h4 = fmix32(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  out[0] = h1;
  out[1] = h2;
  out[2] = h3;
  out[3] = h4;
}

/** bytes[from, to) (at most 4 of them) as a little-endian int32. */
function littleEndian(bytes: Uint8Array, from: number, to: number): number {
  let value = 0;
  for (let i = to - 1; i >= from; i--) value = (value << 8) | (bytes[i] ?? 0);
  return value;
}

function mixK(k: number, first: number, rotation: number, second: number): number {
  return Math.imul(rotl(Math.imul(k, first), rotation), second);
}

function rotl(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function hex32(value: number): string {
  return `${HEX[(value >>> 24) & 0xff]}${HEX[(value >>> 16) & 0xff]}${HEX[(value >>> 8) & 0xff]}${HEX[value & 0xff]}`;
}

function hex16(value: number): string {
  return `${HEX[(value >>> 8) & 0xff]}${HEX[value & 0xff]}`;
}

/**
 * The event_id for an event: the client's UUID (lower-cased), the stableUuid of a non-UUID client
 * id in the app, or a new id when the client sent none (or the nil UUID, which is a client bug
 * that would otherwise give all its events one id).
 */
export function eventIdFor(clientId: string | undefined, appId: string, newEventId: () => string): string {
  if (clientId === undefined || clientId === '') return newEventId();
  if (isUuid(clientId)) {
    const id = clientId.toLowerCase();
    return id === NIL_UUID ? newEventId() : id;
  }
  return stableUuid(appId, clientId);
}
