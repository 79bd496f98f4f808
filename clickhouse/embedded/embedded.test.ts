import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger/index.ts';
import { tempDir as makeTempDir, uniqueId } from '../../runtime/testing/services.ts';
import { describeClickHouseContract } from '../contract/contract.ts';
import { createClickHouse } from '../index.ts';
import { createEmbeddedClickHouse } from './index.ts';

const run = promisify(execFile);
const DATABASE = 'contract';

const dataDirs: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await makeTempDir(prefix);
  dataDirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describeClickHouseContract('embedded (chdb)', async (logger) => {
  const dataDir = await tempDir('ch-embedded');
  const ch = await createEmbeddedClickHouse({ dataDir, database: DATABASE, logger });
  return {
    ch,
    database: DATABASE,
    capabilities: {
      queryParams: true,
      deduplicationToken: true,
      reopen: (reopenLogger) =>
        createEmbeddedClickHouse({ dataDir, database: DATABASE, logger: reopenLogger }),
    },
  };
});

// Runs after the contract suite has closed its engine: one data directory per process.
describe('embedded ClickHouse data directory', () => {
  it('is released by close(), so another process can open it and read the data', async () => {
    const dataDir = await tempDir('ch-release');
    const table = uniqueId('released');
    const ch = await createEmbeddedClickHouse({ dataDir, database: DATABASE, logger: silentLogger() });
    await ch.command(`CREATE TABLE ${table} (id UInt64) ENGINE = MergeTree ORDER BY id`);
    await ch.insert(table, [{ id: 1 }, { id: 2 }, { id: 3 }]);
    await ch.close();

    // A plain chdb Session in a child process: it fails to open while another process holds the lock.
    const chdbPath = createRequire(import.meta.url).resolve('chdb');
    const script = `
      const { Session } = require(${JSON.stringify(chdbPath)});
      const session = new Session(${JSON.stringify(dataDir)});
      process.stdout.write(session.query('SELECT count() FROM ${DATABASE}.${table}', 'TSV'));
      session.close();`;
    const { stdout } = await run(process.execPath, ['-e', script]);
    expect(stdout.trim()).toBe('3');
  });

  it('is chosen by createClickHouse when no URL is configured, under dataDir/clickhouse', async () => {
    const dataDir = await tempDir('ch-factory');
    const ch = await createClickHouse({
      url: undefined,
      database: DATABASE,
      dataDir,
      logger: silentLogger(),
    });
    try {
      expect(ch.kind).toBe('embedded');
      expect(existsSync(path.join(dataDir, 'clickhouse', 'metadata'))).toBe(true);
    } finally {
      await ch.close();
    }
  });
});
