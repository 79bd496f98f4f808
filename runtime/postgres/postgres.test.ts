import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger/index.ts';
import { tempDir } from '../testing/services.ts';
import { postgresContract } from './contract.ts';
import { createEmbeddedPostgres } from './embedded-postgres.ts';
import { createPostgres } from './index.ts';

// Each PGlite start costs seconds, so the specifics below reuse the directory the contract used.
let dataDir: string | undefined;

afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('embedded Postgres (PGlite) contract', () => {
  postgresContract(async () => {
    dataDir = await tempDir('pglite');
    const pg = await createEmbeddedPostgres({ dataDir, logger: silentLogger() });
    // Read back after a restart by the test below; the contract never touches this table.
    await pg.exec("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives a restart');");
    return pg;
  });
});

describe('embedded Postgres (PGlite) specifics', () => {
  it('is chosen by createPostgres without a url and reopens a closed directory with its data', async () => {
    if (!dataDir) throw new Error('the contract suite did not run');
    // The contract suite's last test closed its client on this directory.
    const reopened = await createPostgres({ url: undefined, dataDir, logger: silentLogger() });
    try {
      expect(reopened.kind).toBe('embedded');
      expect((await reopened.query('SELECT v FROM kept')).rows).toEqual([{ v: 'survives a restart' }]);
    } finally {
      await reopened.close();
    }
  });
});
