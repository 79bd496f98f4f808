import { describe } from 'vitest';
import { silentLogger } from '../../runtime/logger/index.ts';
import { createServerPostgres } from '../../runtime/postgres/index.ts';
import { serviceUrl, uniqueId } from '../../runtime/testing/services.ts';
import { schemaContract } from './schema-contract.ts';

const url = serviceUrl('DATABASE_URL');

/** The same database URL with every unqualified name resolving into `schema` only. */
function urlWithSearchPath(base: string, schema: string): string {
  const withPath = new URL(base);
  withPath.searchParams.set('options', `-c search_path=${schema}`);
  return withPath.toString();
}

describe.skipIf(url === undefined)('control-plane schema on a real Postgres', () => {
  schemaContract(async () => {
    const base = url as string;
    const logger = silentLogger();
    // A schema of its own, so parallel runs and other tests never see these tables.
    const schema = uniqueId('cp_schema');
    const admin = createServerPostgres({ url: base, logger });
    await admin.exec(`CREATE SCHEMA ${schema}`);
    const pg = createServerPostgres({ url: urlWithSearchPath(base, schema), logger });
    const other = createServerPostgres({ url: urlWithSearchPath(base, schema), logger });
    return {
      pg,
      other,
      async dispose() {
        await Promise.all([pg.close(), other.close()]);
        await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
        await admin.close();
      },
    };
  });
});
