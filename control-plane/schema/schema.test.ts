import { rm } from 'node:fs/promises';
import { describe } from 'vitest';
import { silentLogger } from '../../runtime/logger/index.ts';
import { createEmbeddedPostgres } from '../../runtime/postgres/index.ts';
import { tempDir } from '../../runtime/testing/services.ts';
import { schemaContract } from './schema-contract.ts';

describe('control-plane schema on embedded Postgres (PGlite)', () => {
  schemaContract(async () => {
    const dataDir = await tempDir('schema');
    const pg = await createEmbeddedPostgres({ dataDir, logger: silentLogger() });
    return {
      pg,
      // PGlite is single-process: a second "process" can only be a second caller of the same instance.
      other: pg,
      async dispose() {
        await pg.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  });
});
