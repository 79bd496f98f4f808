// Starts the product for the bench as users run it (the all-in-one launcher in a child process
// on embedded engines), or points at one already running (--api-url/--ingest-url).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../runtime/testing/services.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
// A cold embedded start (initdb for PGlite plus migrations) takes ~10 s on this machine.
const READY_TIMEOUT_MS = 120_000;

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
  const dataDir = env.DATA_DIR ?? (await mkdtemp(path.join(tmpdir(), 'clickstream-bench-')));
  const port = await freePort();
  const ingestPort = await freePort();
  const { CLICKHOUSE_URL, DATABASE_URL, REDIS_URL, API_KEY_SECRET, JWT_SECRET, ...inherited } = process.env;
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', 'runtime/launcher/main.ts', 'all'],
    {
      cwd: ROOT,
      env: {
        ...inherited,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        DATA_DIR: dataDir,
        PORT: String(port),
        INGEST_PORT: String(ingestPort),
        HOST: '127.0.0.1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  let stopping: Promise<number | null> | undefined;
  const apiUrl = `http://127.0.0.1:${port}`;
  const ingestUrl = `http://127.0.0.1:${ingestPort}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`stack exited during start:\n${output}`);
    if (Date.now() > deadline) throw new Error(`stack not ready in time:\n${output}`);
    const ready = await fetch(`${ingestUrl}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    apiUrl,
    ingestUrl,
    dataDir,
    pid: child.pid,
    stop: () => {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
        child.kill('SIGTERM');
        const [code] = (await once(child, 'exit')) as [number | null];
        return code;
      })();
      return stopping;
    },
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
