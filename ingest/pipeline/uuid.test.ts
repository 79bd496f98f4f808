import { describe, expect, it } from 'vitest';
import { createUuidV7Generator, eventIdFor, isUuid, murmur3x86x128, stableUuid } from './uuid.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const APP_ID = '0190c1c8-8f4c-7cc3-9a5e-6c1a2b3c4d5e';

/** Random bytes that are all `value`, so ids are predictable. */
const fill = (value: number) => (bytes: Uint8Array) => bytes.fill(value);

describe('createUuidV7Generator', () => {
  it('encodes the millisecond clock, version 7 and the RFC variant', () => {
    const ms = Date.UTC(2026, 10, 21, 10, 0, 0, 123);
    const next = createUuidV7Generator({ now: () => ms, randomFill: fill(0xab) });
    const id = next();
    expect(id).toMatch(UUID_V7);
    expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(ms);
    // Counter seed 0xabab & 0x7ff = 0x3ab; rand_b = 0xab bytes with the variant bits set.
    expect(id).toBe(
      `${ms
        .toString(16)
        .padStart(12, '0')
        .replace(/^(.{8})/, '$1-')}-73ab-abab-abababababab`,
    );
  });

  it('strictly increases within one millisecond, past the counter, and when the clock steps back', () => {
    let clock = Date.UTC(2026, 0, 1);
    const next = createUuidV7Generator({ now: () => clock, randomFill: fill(0xff) });
    const ids: string[] = [];
    for (let i = 0; i < 5000; i++) ids.push(next());
    clock -= 10_000;
    for (let i = 0; i < 10; i++) ids.push(next());
    clock += 60_000;
    for (let i = 0; i < 10; i++) ids.push(next());
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('gives distinct ids with real randomness', () => {
    const next = createUuidV7Generator();
    const ids = Array.from({ length: 10_000 }, () => next());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('isUuid', () => {
  it.each<[string, boolean]>([
    ['0190c1c8-8f4c-7cc3-9a5e-6c1a2b3c4d5e', true],
    ['0190C1C8-8F4C-7CC3-9A5E-6C1A2B3C4D5E', true],
    ['00000000-0000-0000-0000-000000000000', true],
    ['0190c1c88f4c7cc39a5e6c1a2b3c4d5e', false],
    ['{0190c1c8-8f4c-7cc3-9a5e-6c1a2b3c4d5e}', false],
    ['0190c1c8-8f4c-7cc3-9a5e-6c1a2b3c4d5g', false],
    ['ajs-next-1a2b3c', false],
    ['', false],
  ])('%s', (text, expected) => {
    expect(isUuid(text)).toBe(expected);
  });
});

describe('murmur3x86x128', () => {
  // Published vectors of the reference implementation (h1..h4 as %08x).
  it.each<[string, number, string]>([
    ['Hello, world!', 123, '61c9129e5a1aacd7a41621629e37c886'],
    ['Hello, world!', 321, 'd5fbdcb3c26c4193045880c5a7170f0f'],
    ['xxxxxxxxxxxxxxxxxxxxxxxxxxxx', 123, '5e40bab278825a164cf929d31fec6047'],
    ['http://en.wikipedia.org/wiki/MurmurHash', 0, 'd297dc9fad5b8f84f8264f326908431a'],
    ['', 0, '00000000000000000000000000000000'],
  ])('%j seed %d', (text, seed, expected) => {
    const bytes = Buffer.from(text, 'utf8');
    const out = new Uint32Array(4);
    murmur3x86x128(bytes, bytes.length, seed, out);
    expect([...out].map((word) => word.toString(16).padStart(8, '0')).join('')).toBe(expected);
  });
});

describe('stableUuid', () => {
  it('is a version 8, RFC-variant UUID, distinct for 100,000 distinct names', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const id = stableUuid(APP_ID, `ajs-next-${i.toString(36)}`);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(100_000);
  });

  it('reads names as UTF-8, including long ones', () => {
    const long = `ü${'x'.repeat(600)}`;
    expect(stableUuid(APP_ID, long)).toBe(stableUuid(APP_ID, long));
    expect(stableUuid(APP_ID, 'ü')).not.toBe(stableUuid(APP_ID, 'u'));
  });
});

describe('eventIdFor', () => {
  const newId = () => 'new-id';
  it.each<[string, string | undefined, string]>([
    ['no client id: a new one', undefined, 'new-id'],
    ['an empty client id: a new one', '', 'new-id'],
    [
      'a client UUID is kept, lower-cased',
      '0190C1C8-8F4C-7CC3-9A5E-6C1A2B3C4D5E',
      '0190c1c8-8f4c-7cc3-9a5e-6c1a2b3c4d5e',
    ],
    ['the nil UUID is a client bug: a new one', '00000000-0000-0000-0000-000000000000', 'new-id'],
    [
      'another kind of id: its stable UUID in the app',
      'ajs-next-69a0f7a3',
      stableUuid(APP_ID, 'ajs-next-69a0f7a3'),
    ],
  ])('%s', (_name, clientId, expected) => {
    expect(eventIdFor(clientId, APP_ID, newId)).toBe(expected);
  });

  it('maps a retried non-UUID id to the same event id, and other apps to other ids', () => {
    const first = eventIdFor('msg-42', APP_ID, newId);
    expect(eventIdFor('msg-42', APP_ID, newId)).toBe(first);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventIdFor('msg-42', '0190c1c8-8f4c-7cc3-9a5e-000000000000', newId)).not.toBe(first);
    expect(eventIdFor('msg-43', APP_ID, newId)).not.toBe(first);
  });
});
