import { describe, expect, it } from 'vitest';
import { generateKey, hmacKey } from '../keys/key-format.ts';
import { openBrowserKey, sealBrowserKey } from './browser-key-vault.ts';

const SECRET = 'vault-test-secret-0123456789-abcdefghijkl';

describe('browser key vault', () => {
  it('opens what it sealed, for the HMAC of that key', () => {
    const key = generateKey('browser');
    const sealed = sealBrowserKey(SECRET, key);
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(key);
    expect(openBrowserKey(SECRET, sealed, hmacKey(SECRET, key))).toBe(key);
  });

  it('seals the same key differently each time (random nonce)', () => {
    const key = generateKey('browser');
    expect(sealBrowserKey(SECRET, key)).not.toBe(sealBrowserKey(SECRET, key));
  });

  it('refuses to seal a server key', () => {
    expect(() => sealBrowserKey(SECRET, generateKey('server'))).toThrow('only browser keys may be sealed');
  });

  it("gives nothing for another key's HMAC, another secret, or a damaged copy", () => {
    const key = generateKey('browser');
    const hmac = hmacKey(SECRET, key);
    const sealed = sealBrowserKey(SECRET, key);
    const [version, iv, ciphertext, tag] = sealed.split('.') as [string, string, string, string];
    const flipped = `${ciphertext.slice(0, -2)}${ciphertext.endsWith('AA') ? 'AB' : 'AA'}`;
    expect(openBrowserKey(SECRET, sealed, hmacKey(SECRET, generateKey('browser')))).toBeNull();
    expect(openBrowserKey('another-secret-0123456789-abcdefghijklmn', sealed, hmac)).toBeNull();
    expect(openBrowserKey(SECRET, [version, iv, flipped, tag].join('.'), hmac)).toBeNull();
    expect(openBrowserKey(SECRET, [version, iv, ciphertext].join('.'), hmac)).toBeNull();
    expect(openBrowserKey(SECRET, `v2.${iv}.${ciphertext}.${tag}`, hmac)).toBeNull();
    expect(openBrowserKey(SECRET, 'not a sealed key', hmac)).toBeNull();
    expect(openBrowserKey(SECRET, null, hmac)).toBeNull();
  });
});
