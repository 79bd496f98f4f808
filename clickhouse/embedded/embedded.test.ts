import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
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

/** Niceness of each of this process's threads now, by thread id (threads that end meanwhile are skipped). */
async function threadNiceness(): Promise<Map<number, number>> {
  const values = new Map<number, number>();
  for (const tid of await readdir('/proc/self/task')) {
    const stat = await readFile(`/proc/self/task/${tid}/stat`, 'utf8').catch(() => '');
    // Fields after the parenthesised name start at field 3 (state); nice is field 19.
    const nice = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16];
    if (nice !== undefined) values.set(Number(tid), Number(nice));
  }
  return values;
}

describe('embedded ClickHouse thread priority', () => {
  it('runs queries, views and merges at nice 19, below the event loop it shares the process with', async () => {
    const ch = await createEmbeddedClickHouse({
      dataDir: await tempDir('ch-nice'),
      database: DATABASE,
      logger: silentLogger(),
    });
    try {
      const settings = await ch.query<{ name: string; value: string }>(
        `SELECT name, value FROM system.settings
         WHERE name IN ('os_threads_nice_value_query', 'os_threads_nice_value_materialized_view')
         UNION ALL
         SELECT name, value FROM system.server_settings WHERE name = 'os_threads_nice_value_merge_mutate'`,
      );
      expect(settings.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        { name: 'os_threads_nice_value_materialized_view', value: '19' },
        { name: 'os_threads_nice_value_merge_mutate', value: '19' },
        { name: 'os_threads_nice_value_query', value: '19' },
      ]);
      // ClickHouse applies them only with CAP_SYS_NICE (bit 23 of the effective set), which root
      // has on a plain machine such as CI's, and a default container does not.
      const status = await readFile('/proc/self/status', 'utf8');
      const effective = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(status)?.[1] ?? '0'}`);
      if (((effective >> 23n) & 1n) === 0n) return;
      let running = true;
      const query = ch.query('SELECT sum(sipHash64(number)) AS s FROM numbers(150000000)').finally(() => {
        running = false;
      });
      let seen = false;
      const eventLoop = new Set<number | undefined>();
      while (running && !seen) {
        const niceness = await threadNiceness();
        seen = [...niceness.values()].includes(19);
        // The event loop's thread (its id is the process id) keeps its priority meanwhile.
        eventLoop.add(niceness.get(process.pid));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await query;
      expect(seen).toBe(true);
      expect([...eventLoop]).toEqual([0]);
    } finally {
      await ch.close();
    }
  });
});
