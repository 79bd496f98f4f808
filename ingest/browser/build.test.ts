import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { buildTracker, MAX_GZIP_BYTES } from './build.ts';

describe('buildTracker', () => {
  it('builds one self-contained script within its size budget', async () => {
    const bundle = await buildTracker({ write: false });
    expect(bundle.gzipBytes).toBeLessThanOrEqual(MAX_GZIP_BYTES);
    expect(bundle.bytes).toBe(Buffer.byteLength(bundle.code));
    // A classic script: no module syntax, nothing left for a loader to resolve.
    expect(bundle.code).not.toMatch(/\bimport\s*[({"']|\bexport\s|\brequire\(/);
    // Down-levelled for ES2018 browsers.
    expect(bundle.code).not.toMatch(/\?\.|\?\?/);
  });

  it('never throws, even where there is no DOM at all', async () => {
    const { code } = await buildTracker({ write: false });
    expect(() => runInNewContext(code, {})).not.toThrow();
    expect(() => runInNewContext(code, { window: {}, document: { currentScript: null } })).not.toThrow();
  });
});
