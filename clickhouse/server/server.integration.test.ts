// The server adapter against a real clickhouse-server this file starts itself (Debian's 18.16 in
// CI): the shared contract, then outages, a crash and a hang, on one adapter instance.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../runtime/logger/index.ts';
import { serviceUrl, uniqueId } from '../../runtime/testing/services.ts';
import { describeClickHouseContract } from '../contract/contract.ts';
import { createClickHouse } from '../index.ts';
import { type ClickHouse, ClickHouseError } from '../types.ts';
import { createServerClickHouse } from './index.ts';
import { startTestServer, type TestServer } from './test-server.ts';

const binary = serviceUrl('CLICKHOUSE_SERVER_BIN');

/** Short, so the hang test proves the bound without waiting the production 30 s. */
const OUTAGE_REQUEST_TIMEOUT_MS = 1_500;
/** Scheduling slack on top of a timeout before we call it a hang. */
const SETTLE_SLACK_MS = 1_000;
/** Inserts acknowledged before the crash; the loop keeps inserting while the server dies. */
const INSERTS_BEFORE_KILL = 25;
/** Upper bound on the insert loop, so a server that never dies cannot spin the test forever. */
const MAX_INSERTS = 10_000;

function warningsLogger(): { logger: Logger; messages: string[] } {
  const messages: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') messages.push((JSON.parse(line) as { msg: string }).msg);
      }
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, sink), messages };
}

function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to reject');
    },
    (error: unknown) => error,
  );
}

describe.skipIf(binary === undefined)('server ClickHouse on a test clickhouse-server', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ binary: binary ?? '' });
  });

  afterAll(async () => {
    await server?.stop();
  });

  describeClickHouseContract('server (@clickhouse/client)', async (logger) => {
    const database = uniqueId('contract');
    const ch = await createServerClickHouse({ url: server.url, database, logger });
    const version = await ch.serverVersion();
    const modern = !version.startsWith('18.');
    return {
      ch,
      database,
      capabilities: {
        queryParams: modern,
        deduplicationToken: modern,
        reopen: (reopenLogger) => createServerClickHouse({ url: server.url, database, logger: reopenLogger }),
      },
    };
  });

  it('warns at connect when the server is older than 23.8, and is what createClickHouse picks for a URL', async () => {
    const { logger, messages } = warningsLogger();
    const ch = await createClickHouse({
      url: server.url,
      database: uniqueId('factory'),
      dataDir: '/nonexistent',
      logger,
    });
    try {
      expect(ch.kind).toBe('server');
      if ((await ch.serverVersion()).startsWith('18.')) {
        expect(messages.some((message) => message.includes('older than 23.8'))).toBe(true);
      }
    } finally {
      await ch.close();
    }
  });

  it('fails to connect with an unavailable ClickHouseError when nothing listens', async () => {
    const error = await rejection(
      createServerClickHouse({ url: 'http://127.0.0.1:1', database: 'x', logger: pino({ level: 'silent' }) }),
    );
    expect(error).toBeInstanceOf(ClickHouseError);
    expect(error).toMatchObject({ unavailable: true, message: expect.stringContaining('ECONNREFUSED') });
  });

  describe('outages', () => {
    let ch: ClickHouse;
    let table: string;

    beforeAll(async () => {
      ch = await createServerClickHouse({
        url: server.url,
        database: uniqueId('outage'),
        logger: pino({ level: 'silent' }),
        requestTimeoutMs: OUTAGE_REQUEST_TIMEOUT_MS,
      });
      table = uniqueId('outage');
      await ch.command(`CREATE TABLE ${table} (id UInt64) ENGINE = MergeTree ORDER BY id`);
    });

    afterAll(async () => {
      await ch?.close();
    });

    it('rejects calls as unavailable through a crash, then works again on the same instance', async () => {
      const acknowledged: number[] = [];
      let failure: unknown;
      let killedAt = 0;
      let killed: Promise<void> | undefined;
      for (let id = 0; id < MAX_INSERTS && failure === undefined; id++) {
        if (id === INSERTS_BEFORE_KILL) {
          killedAt = Date.now();
          killed = server.kill(); // not awaited: inserts keep going while the server dies
        }
        try {
          await ch.insert(table, [{ id }]);
          acknowledged.push(id);
        } catch (error) {
          failure = error;
        }
      }
      const detectedAfterMs = Date.now() - killedAt;
      await killed;

      expect(failure).toBeInstanceOf(ClickHouseError);
      expect(failure).toMatchObject({
        unavailable: true,
        message: expect.stringMatching(/^ClickHouse server at http:\/\/127\.0\.0\.1:\d+ is unavailable: /),
      });
      expect(detectedAfterMs).toBeLessThan(OUTAGE_REQUEST_TIMEOUT_MS + SETTLE_SLACK_MS);
      expect(acknowledged.length).toBeGreaterThanOrEqual(INSERTS_BEFORE_KILL);

      // Every kind of call fails the same way while the server is down.
      expect(await ch.ping()).toBe(false);
      for (const call of [ch.query('SELECT 1'), ch.command('SELECT 1'), ch.insert(table, [{ id: -1 }])]) {
        expect(await rejection(call)).toMatchObject({ unavailable: true });
      }

      await server.start();
      expect(await ch.ping()).toBe(true);
      const rows = await ch.query<{ id: string }>(`SELECT id FROM ${table}`);
      const stored = new Set(rows.map((row) => Number(row.id)));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
      await ch.insert(table, [{ id: MAX_INSERTS }]);
      expect(await ch.query(`SELECT count() AS n FROM ${table} WHERE id = ${MAX_INSERTS}`)).toEqual([
        { n: '1' },
      ]);
    });

    it('times out instead of hanging when the server stops answering', async () => {
      server.pause();
      try {
        const started = Date.now();
        const error = await rejection(ch.query('SELECT 1'));
        expect(Date.now() - started).toBeLessThan(OUTAGE_REQUEST_TIMEOUT_MS + SETTLE_SLACK_MS);
        expect(error).toBeInstanceOf(ClickHouseError);
        expect(error).toMatchObject({
          unavailable: true,
          message: expect.stringContaining(`no answer within ${OUTAGE_REQUEST_TIMEOUT_MS} ms`),
        });
        expect(await ch.ping()).toBe(false);
      } finally {
        server.resume();
      }
      expect(await ch.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    });
  });
});
