// API key format, generation, parsing and HMAC: pure functions, no I/O. The ingest edge imports
// this module to reject mistyped or invented keys before touching any store.
//
//   cs_sk_<30 base62 random><6 base62 CRC32>   server secret key (ingest + analytics read)
//   cs_pk_<30 base62 random><6 base62 CRC32>   browser public key (ingest only, origin-bound)
//
// 30 base62 characters carry 178 bits of randomness (>= 128 required). The CRC32 checksum over
// the rest of the key (as GitHub's token format does) lets a typo be rejected without a lookup;
// it is not a security measure, the HMAC lookup is.
import { createHmac, randomInt } from 'node:crypto';

export type KeyKind = 'server' | 'browser';

const KIND_TO_TAG: Readonly<Record<KeyKind, string>> = { server: 'sk', browser: 'pk' };
const TAG_TO_KIND: Readonly<Record<string, KeyKind>> = { sk: 'server', pk: 'browser' };

export const KEY_NAMESPACE = 'cs';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LENGTH = 30; // 30 * log2(62) = 178.6 bits
const CHECKSUM_LENGTH = 6; // 62^6 > 2^32: any CRC32 fits
const KEY_PATTERN = /^cs_(sk|pk)_([0-9A-Za-z]{30})([0-9A-Za-z]{6})$/;
export const KEY_LENGTH = KEY_NAMESPACE.length + 4 + RANDOM_LENGTH + CHECKSUM_LENGTH;
/** How many characters of the random part the UI shows after the kind prefix. */
const VISIBLE_HEAD = 4;
const VISIBLE_TAIL = 4;

export interface ParsedKey {
  kind: KeyKind;
  key: string;
}

export type ParseKeyResult = { ok: true; value: ParsedKey } | { ok: false; code: KeyRejection };
export type KeyRejection = 'key_missing' | 'key_malformed' | 'key_checksum';

/** A new key of the given kind. */
export function generateKey(kind: KeyKind): string {
  let random = '';
  for (let i = 0; i < RANDOM_LENGTH; i++) random += ALPHABET[randomInt(ALPHABET.length)];
  const body = `${KEY_NAMESPACE}_${KIND_TO_TAG[kind]}_${random}`;
  return body + encodeChecksum(crc32(body));
}

/** Syntactic check with no lookup: shape, kind and checksum. */
export function parseKey(raw: string | undefined | null): ParseKeyResult {
  if (raw === undefined || raw === null || raw === '') return { ok: false, code: 'key_missing' };
  const match = KEY_PATTERN.exec(raw);
  if (!match) return { ok: false, code: 'key_malformed' };
  const [, tag = '', random = '', checksum = ''] = match;
  const body = `${KEY_NAMESPACE}_${tag}_${random}`;
  if (encodeChecksum(crc32(body)) !== checksum) return { ok: false, code: 'key_checksum' };
  const kind = TAG_TO_KIND[tag];
  if (!kind) return { ok: false, code: 'key_malformed' };
  return { ok: true, value: { kind, key: raw } };
}

/** What is stored and looked up: hex HMAC-SHA256 of the whole key under API_KEY_SECRET. */
export function hmacKey(secret: string, key: string): string {
  return createHmac('sha256', secret).update(key).digest('hex');
}

/** The parts of a key that may be shown after creation: `cs_sk_AbCd` and the last 4. */
export function visibleParts(key: string): { prefix: string; last4: string } {
  return {
    prefix: key.slice(0, KEY_NAMESPACE.length + 4 + VISIBLE_HEAD),
    last4: key.slice(-VISIBLE_TAIL),
  };
}

/** The masked display form, e.g. `cs_sk_AbCd…wxyz`. */
export function maskKey(prefix: string, last4: string): string {
  return `${prefix}…${last4}`;
}

function encodeChecksum(value: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET[rest % ALPHABET.length] + out;
    rest = Math.floor(rest / ALPHABET.length);
  }
  return out;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3) of an ASCII string. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) {
    crc = (CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
