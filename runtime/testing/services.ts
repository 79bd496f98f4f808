// Tests that need a real service read its URL here (the only env access outside the launcher).
// Locally an unset URL skips those tests; with CI=true a missing URL fails them, so CI can
// never pass by skipping.
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type ServiceVar = 'DATABASE_URL' | 'REDIS_URL' | 'CLICKHOUSE_SERVER_BIN' | 'CLICKHOUSE_URL';

export const inCi = process.env.CI === 'true';

/** The service URL, or undefined (tests skip) when not configured outside CI. Throws in CI. */
export function serviceUrl(name: ServiceVar): string | undefined {
  const value = process.env[name];
  if (value) return value;
  if (inCi) throw new Error(`${name} must be set when CI=true: this test needs the real service`);
  return undefined;
}

/** A fresh directory under the OS temp dir, for one test's embedded data. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `clickstream-${prefix}-`));
}

/** A unique, identifier-safe suffix so parallel tests never share tables, apps or keys. */
export function uniqueId(prefix = 't'): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
