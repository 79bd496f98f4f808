// Starts the product for the bench as users run it (the all-in-one launcher in a child process
// on embedded engines), or points at one already running (--api-url/--ingest-url).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { embeddedEnv, startLauncher } from '../../runtime/testing/launcher-process.ts';
import { freePort, tempDir } from '../../runtime/testing/services.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Stack {
  apiUrl: string;
  ingestUrl: string;
  dataDir: string | undefined;
  pid: number | undefined;
  stop(): Promise<number | null>;
}

export async function startStack(
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<Stack> {
  const dataDir = env.DATA_DIR ?? (await tempDir('bench'));
  const port = await freePort();
  const ingestPort = await freePort();
  const launcher = startLauncher(
    ['all'],
    embeddedEnv({
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      PORT: String(port),
      INGEST_PORT: String(ingestPort),
      HOST: '127.0.0.1',
      ...env,
    }),
    nodeArgs,
  );
  const apiUrl = `http://127.0.0.1:${port}`;
  const ingestUrl = `http://127.0.0.1:${ingestPort}`;
  await launcher.waitReady([apiUrl, ingestUrl]);
  return { apiUrl, ingestUrl, dataDir, pid: launcher.child.pid, stop: launcher.stop };
}

/**
 * A stack somebody else runs (e.g. `docker compose up`, or the services on their own machines):
 * the bench only drives it. No process to sample or stop, no data directory to count from.
 */
export function externalStack(apiUrl: string, ingestUrl: string): Stack {
  const trim = (url: string) => url.replace(/\/+$/, '');
  return {
    apiUrl: trim(apiUrl),
    ingestUrl: trim(ingestUrl),
    dataDir: undefined,
    pid: undefined,
    stop: async () => null,
  };
}

/** The bare ceiling server; with processes > 1, that many share one port. */
export async function startBare(
  processes = 1,
): Promise<{ url: string; pids: (number | undefined)[]; stop(): Promise<void> }> {
  const port = await freePort();
  const children = Array.from({ length: processes }, () =>
    spawn(process.execPath, ['--import', 'tsx', 'bench/ingest/bare-uws.ts', String(port)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          child.stdout?.on('data', (chunk: Buffer) => {
            if (chunk.toString().includes('listening')) resolve();
          });
          child.once('exit', () => reject(new Error('bare uWS server exited')));
        }),
    ),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    pids: children.map((child) => child.pid),
    stop: async () => {
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(children.map((child) => once(child, 'exit')));
    },
  };
}

/** Sign up through the control-plane API, as a new owner would, and return the server key. */
export async function provisionKey(
  apiUrl: string,
): Promise<{ appId: string; serverKey: string; token: string }> {
  const response = await fetch(`${apiUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password: 'bench password 123456' }),
  });
  if (response.status !== 201)
    throw new Error(`register failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as {
    accessToken: string;
    app: { id: string };
    keys: { server: { key: string } };
  };
  return { appId: body.app.id, serverKey: body.keys.server.key, token: body.accessToken };
}
