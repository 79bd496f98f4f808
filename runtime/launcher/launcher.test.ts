// `npm start` as users run it: a child process on embedded engines in a fresh data directory.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedEnv, type LauncherProcess, startLauncher } from '../testing/launcher-process.ts';
import { freePort, tempDir } from '../testing/services.ts';

const childEnvWith = (extra: Record<string, string>) =>
  embeddedEnv({ LOG_LEVEL: 'info', NODE_ENV: 'test', ...extra });

// Cold start includes opening the engines and applying every migration.
const READY_TIMEOUT_MS = 60_000;

const children: LauncherProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill();
});

function start(args: string[], env: NodeJS.ProcessEnv): LauncherProcess {
  const child = startLauncher(args, env);
  children.push(child);
  return child;
}

/** Ready, and the /ready body it answered with. */
async function readyBody(url: string, child: LauncherProcess): Promise<unknown> {
  await child.waitReady([url], READY_TIMEOUT_MS);
  return (await fetch(`${url}/ready`)).json();
}

describe('npm start (all-in-one, embedded)', () => {
  it('becomes ready, stops on SIGTERM within 10 s, and reuses its data on the next start', async () => {
    const dataDir = await tempDir('launcher');
    const port = await freePort();
    const env = childEnvWith({
      DATA_DIR: dataDir,
      PORT: String(port),
      INGEST_PORT: String(await freePort()),
    });

    const url = `http://127.0.0.1:${port}`;
    const first = start([], env);
    expect(await readyBody(url, first)).toEqual({
      status: 'ready',
      checks: { clickhouse: 'ok', postgres: 'ok', redis: 'ok' },
    });
    expect(first.output()).toMatch(/"msg":"migration applied"/);
    expect(first.output()).toMatch(/"msg":"postgres migration applied"/);
    expect(first.output()).toContain(`api: http://localhost:${port}`);
    const secrets = await readFile(path.join(dataDir, 'secrets.json'), 'utf8');

    const stopping = Date.now();
    expect(await first.stop()).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(10_000);

    const second = start([], env);
    await second.waitReady([url], READY_TIMEOUT_MS);
    // Same secrets and no migration applied twice: the data directory was reopened, not replaced.
    expect(await readFile(path.join(dataDir, 'secrets.json'), 'utf8')).toBe(secrets);
    expect(second.output()).not.toMatch(/migration applied/);
    expect(await second.stop()).toBe(0);
  }, 120_000);

  it.each([
    ['CLICKHOUSE_URL', 'clickhouse:8123', /^clickstream: configuration error: CLICKHOUSE_URL must be a URL/],
    ['PORT', 'eighty', /^clickstream: configuration error: PORT must be an integer between 1 and 65535/],
  ])('refuses a bad %s with one line naming it', async (name, value, message) => {
    const child = start([], childEnvWith({ DATA_DIR: await tempDir('badconfig'), [name]: value }));
    expect(await child.exit()).not.toBe(0);
    const lines = child.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('refuses an unknown service name', async () => {
    const child = start(['frontend'], childEnvWith({ DATA_DIR: await tempDir('badservice') }));
    expect(await child.exit()).toBe(2);
    expect(child.output()).toContain('unknown service "frontend"');
  });
});
