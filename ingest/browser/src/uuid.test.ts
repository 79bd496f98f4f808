import { webcrypto } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { uuidV4 } from './uuid.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidV4', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('uses crypto.randomUUID where it exists', () => {
    const ids = new Set(Array.from({ length: 1_000 }, () => uuidV4()));
    expect(ids.size).toBe(1_000);
    for (const id of ids) expect(id).toMatch(UUID_V4);
  });

  it('builds a v4 UUID from getRandomValues elsewhere (insecure contexts)', () => {
    vi.stubGlobal('crypto', {
      getRandomValues: <T extends Uint8Array>(array: T) => webcrypto.getRandomValues(array),
    });
    const ids = new Set(Array.from({ length: 1_000 }, () => uuidV4()));
    expect(ids.size).toBe(1_000);
    for (const id of ids) expect(id).toMatch(UUID_V4);
  });

  it('sets the version and variant bits whatever the random bytes', () => {
    vi.stubGlobal('crypto', { getRandomValues: <T extends Uint8Array>(array: T) => array.fill(0xff) });
    expect(uuidV4()).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
    vi.stubGlobal('crypto', { getRandomValues: <T extends Uint8Array>(array: T) => array.fill(0) });
    expect(uuidV4()).toBe('00000000-0000-4000-8000-000000000000');
  });
});
