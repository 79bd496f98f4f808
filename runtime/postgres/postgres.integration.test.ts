import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logger/index.ts';
import { serviceUrl } from '../testing/services.ts';
import { postgresContract } from './contract.ts';
import { createPostgres } from './index.ts';
import { createServerPostgres } from './server-postgres.ts';
import { SqlState } from './types.ts';

const url = serviceUrl('DATABASE_URL');

describe.skipIf(url === undefined)('server Postgres (pg pool) contract', () => {
  postgresContract(async () => createServerPostgres({ url: url as string, logger: silentLogger() }));
});

describe.skipIf(url === undefined)('server Postgres (pg pool) specifics', () => {
  it('is chosen by createPostgres when a url is given', async () => {
    const pg = await createPostgres({ url, dataDir: '/nonexistent', logger: silentLogger() });
    try {
      expect(pg.kind).toBe('server');
      expect(await pg.ping()).toBe(true);
    } finally {
      await pg.close();
    }
  });

  it('cancels a statement that outruns the statement timeout (57014)', async () => {
    const pg = createServerPostgres({ url: url as string, logger: silentLogger(), statementTimeoutMs: 100 });
    try {
      const started = Date.now();
      await expect(pg.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: SqlState.queryCanceled });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await pg.close();
    }
  });

  it('reports an unreachable server quickly as a connection failure (08006) and ping false', async () => {
    const pg = createServerPostgres({ url: 'postgres://postgres@127.0.0.1:1/none', logger: silentLogger() });
    try {
      await expect(pg.query('SELECT 1')).rejects.toMatchObject({
        name: 'PostgresError',
        code: SqlState.connectionFailure,
      });
      await expect(pg.transaction(async () => 1)).rejects.toMatchObject({ code: SqlState.connectionFailure });
      expect(await pg.ping()).toBe(false);
    } finally {
      await pg.close();
    }
  });

  it('leaves no sockets behind after close', async () => {
    const sockets = () => process.getActiveResourcesInfo().filter((type) => type === 'TCPSocketWrap').length;
    // Sockets finish closing a moment after their pool reports ended; a leaked one stays open.
    const settled = () => vi.waitFor(() => expect(sockets()).toBe(0), { timeout: 1_000, interval: 10 });
    await settled();
    const pg = createServerPostgres({ url: url as string, logger: silentLogger() });
    await Promise.all([
      pg.query('SELECT 1'),
      pg.query('SELECT 2'),
      pg.transaction((tx) => tx.query('SELECT 3')),
    ]);
    expect(sockets()).toBeGreaterThan(0);
    await pg.close();
    await settled();
  });
});
