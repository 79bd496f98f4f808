// The services split across processes, as compose runs them, on the real Postgres and Redis:
// the control plane in one process, the ingest edge with the query API in another (they share
// the embedded engine, which binds one process). A key issued by one is accepted by the other,
// a revocation reaches the edge within a second, and an event sent to the edge is answered by
// the query API.

import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedEnv, type LauncherProcess, startLauncher } from '../testing/launcher-process.ts';
import { freePort, serviceUrl, tempDir, uniqueId } from '../testing/services.ts';

const databaseUrl = serviceUrl('DATABASE_URL');
const redisUrl = serviceUrl('REDIS_URL');
const launchers: LauncherProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const launcher of launchers) launcher.kill();
  for (const cleanup of cleanups) await cleanup();
});

function run(args: string[], env: NodeJS.ProcessEnv): LauncherProcess {
  const launcher = startLauncher(args, env);
  launchers.push(launcher);
  return launcher;
}

describe.skipIf(!databaseUrl || !redisUrl)(
  'services in separate processes on real Postgres and Redis',
  () => {
    it('shares keys, revocations and data between the control plane and the edge + query API', async () => {
      const schema = uniqueId('split');
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.end();
      cleanups.push(async () => {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        await client.query(`DROP SCHEMA ${schema} CASCADE`);
        await client.end();
      });
      const url = new URL(databaseUrl as string);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const [cpPort, apiPort, ingestPort] = [await freePort(), await freePort(), await freePort()];
      const env = embeddedEnv({
        DATA_DIR: await tempDir('split'),
        DATABASE_URL: url.toString(),
        REDIS_URL: redisUrl as string,
        API_KEY_SECRET: 'split-test-api-key-secret-0123456789abcdef',
        JWT_SECRET: 'split-test-jwt-secret-0123456789abcdefghij',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        SPOOL_FLUSH_INTERVAL_MS: '100',
      });

      const migrate = run(['migrate'], env);
      expect(await migrate.exit(), migrate.output()).toBe(0);

      const controlPlane = run(['control-plane'], { ...env, PORT: String(cpPort) });
      const edgeAndQuery = run(['ingest', 'query-api'], {
        ...env,
        PORT: String(apiPort),
        INGEST_PORT: String(ingestPort),
      });
      const cp = `http://127.0.0.1:${cpPort}`;
      const api = `http://127.0.0.1:${apiPort}`;
      const edge = `http://127.0.0.1:${ingestPort}`;
      await Promise.all([controlPlane.waitReady([cp]), edgeAndQuery.waitReady([api, edge])]);

      const registered = await fetch(`${cp}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: `${uniqueId('split')}@example.com`,
          password: 'split processes 12345',
        }),
      });
      expect(registered.status).toBe(201);
      const owner = (await registered.json()) as {
        accessToken: string;
        app: { id: string };
        keys: { server: { id: string; key: string } };
      };
      const key = owner.keys.server.key;
      const track = () =>
        fetch(`${edge}/api/events/track`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': key },
          body: JSON.stringify({
            eventType: 'pageview',
            userId: 'split-user',
            url: 'https://split.example.com/',
          }),
        });
      expect((await track()).status).toBe(202);

      // The query API answers from the edge's flushed data (the flush also invalidates its cache).
      let events = 0;
      const deadline = Date.now() + 15_000;
      while (events !== 1 && Date.now() < deadline) {
        const summary = await fetch(
          `${api}/api/analytics/events/summary?appId=${owner.app.id}&startDate=1d`,
          {
            headers: { 'x-api-key': key },
          },
        );
        expect(summary.status).toBe(200);
        events = ((await summary.json()) as { totals: { events: number } }).totals.events;
        if (events !== 1) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(events).toBe(1);

      const revoked = await fetch(`${cp}/api/keys/${owner.keys.server.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${owner.accessToken}` },
      });
      expect(revoked.status).toBe(200);
      const started = Date.now();
      let status = 202;
      while (status !== 401 && Date.now() - started < 1_000) status = (await track()).status;
      expect(status).toBe(401);
      expect(Date.now() - started).toBeLessThan(1_000);

      for (const process of [controlPlane, edgeAndQuery])
        expect(await process.stop(), process.output()).toBe(0);
    }, 120_000);
  },
);
