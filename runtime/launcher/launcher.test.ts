// `npm start` as users run it: a child process on embedded engines in a fresh data directory.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedEnv } from '../testing/launcher-process.ts';
import { freePort, tempDir } from '../testing/services.ts';

const childEnvWith = (extra: Record<string, string>) =>
  embeddedEnv({ LOG_LEVEL: 'info', NODE_ENV: 'test', ...extra });

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'runtime/launcher/main.ts');
// Cold start includes opening the engines and applying every migration.
const READY_TIMEOUT_MS = 60_000;

interface Child {
  process: ChildProcess;
  output: () => string;
}

function start(args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { process: child, output: () => output };
}

async function waitReady(port: number, child: Child): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`exited early:\n${child.output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/ready`);
      if (response.status === 200) return { status: 200, body: await response.json() };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not ready in time:\n${child.output()}`);
}

async function exitOf(child: Child): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  if (child.process.exitCode !== null) return { code: child.process.exitCode, ms: 0 };
  const [code] = (await once(child.process, 'exit')) as [number | null];
  return { code, ms: Date.now() - started };
}

const children: Child[] = [];
afterAll(() => {
  for (const child of children) child.process.kill('SIGKILL');
});

describe('npm start (all-in-one, embedded)', () => {
  it('becomes ready, stops on SIGTERM within 10 s, and reuses its data on the next start', async () => {
    const dataDir = await tempDir('launcher');
    const port = await freePort();
    const env = childEnvWith({
      DATA_DIR: dataDir,
      PORT: String(port),
      INGEST_PORT: String(await freePort()),
    });

    const first = start([], env);
    children.push(first);
    const ready = await waitReady(port, first);
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { clickhouse: 'ok', postgres: 'ok', redis: 'ok' },
    });
    expect(first.output()).toMatch(/"msg":"migration applied"/);
    expect(first.output()).toMatch(/"msg":"postgres migration applied"/);
    expect(first.output()).toContain(`api: http://localhost:${port}`);
    const secrets = await readFile(path.join(dataDir, 'secrets.json'), 'utf8');

    first.process.kill('SIGTERM');
    const stopped = await exitOf(first);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(10_000);

    const second = start([], env);
    children.push(second);
    await waitReady(port, second);
    // Same secrets and no migration applied twice: the data directory was reopened, not replaced.
    expect(await readFile(path.join(dataDir, 'secrets.json'), 'utf8')).toBe(secrets);
    expect(second.output()).not.toMatch(/migration applied/);
    second.process.kill('SIGTERM');
    expect((await exitOf(second)).code).toBe(0);
  }, 120_000);

  it.each([
    ['CLICKHOUSE_URL', 'clickhouse:8123', /^clickstream: configuration error: CLICKHOUSE_URL must be a URL/],
    ['PORT', 'eighty', /^clickstream: configuration error: PORT must be an integer between 1 and 65535/],
  ])('refuses a bad %s with one line naming it', async (name, value, message) => {
    const child = start([], childEnvWith({ DATA_DIR: await tempDir('badconfig'), [name]: value }));
    children.push(child);
    const { code } = await exitOf(child);
    expect(code).not.toBe(0);
    const lines = child.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('refuses an unknown service name', async () => {
    const child = start(['frontend'], childEnvWith({ DATA_DIR: await tempDir('badservice') }));
    children.push(child);
    expect((await exitOf(child)).code).toBe(2);
    expect(child.output()).toContain('unknown service "frontend"');
  });
});
