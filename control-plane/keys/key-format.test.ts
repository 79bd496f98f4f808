import { describe, expect, it } from 'vitest';
import { crc32, generateKey, hmacKey, KEY_LENGTH, maskKey, parseKey, visibleParts } from './key-format.ts';

describe('key format', () => {
  it('generates keys that say their kind and pass their own checksum', () => {
    const server = generateKey('server');
    const browser = generateKey('browser');
    expect(server).toMatch(/^cs_sk_[0-9A-Za-z]{36}$/);
    expect(browser).toMatch(/^cs_pk_[0-9A-Za-z]{36}$/);
    expect(server).toHaveLength(KEY_LENGTH);
    expect(parseKey(server)).toEqual({ ok: true, value: { kind: 'server', key: server } });
    expect(parseKey(browser)).toEqual({ ok: true, value: { kind: 'browser', key: browser } });
  });

  it('never repeats', () => {
    const keys = new Set(Array.from({ length: 2000 }, () => generateKey('server')));
    expect(keys.size).toBe(2000);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
  });

  const good = generateKey('server');
  const flipped = (key: string, at: number) =>
    key.slice(0, at) + (key[at] === 'a' ? 'b' : 'a') + key.slice(at + 1);

  it.each([
    [undefined, 'key_missing'],
    ['', 'key_missing'],
    ['cs_sk_short', 'key_malformed'],
    [good.replace('cs_sk_', 'cs_xx_'), 'key_malformed'],
    [`${good}x`, 'key_malformed'],
    [good.replace('cs_', 'gh_'), 'key_malformed'],
    [`${good.slice(0, -1)}!`, 'key_malformed'],
    [flipped(good, 10), 'key_checksum'],
    [flipped(good, KEY_LENGTH - 1), 'key_checksum'],
    [good.replace('cs_sk_', 'cs_pk_'), 'key_checksum'],
  ])('rejects %j as %s without a lookup', (raw, code) => {
    expect(parseKey(raw)).toEqual({ ok: false, code });
  });

  it('hmacs deterministically and per secret', () => {
    const key = generateKey('browser');
    expect(hmacKey('s'.repeat(32), key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hmacKey('s'.repeat(32), key)).toBe(hmacKey('s'.repeat(32), key));
    expect(hmacKey('t'.repeat(32), key)).not.toBe(hmacKey('s'.repeat(32), key));
  });

  it('shows only a prefix and the last characters', () => {
    const key = 'cs_sk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
    const parts = visibleParts(key);
    expect(parts).toEqual({ prefix: 'cs_sk_AbCd', last4: '6789' });
    expect(maskKey(parts.prefix, parts.last4)).toBe('cs_sk_AbCd…6789');
  });
});
