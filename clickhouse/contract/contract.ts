// The behaviour every ClickHouse adapter must show, as one vitest suite each adapter's test file
// runs against a real engine. Each test owns its tables (unique names), so a failure points at
// one behaviour. Capabilities switch the few checks an old test server cannot pass.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../runtime/logger/index.ts';
import { uniqueId } from '../../runtime/testing/services.ts';
import { type ClickHouse, ClickHouseError } from '../types.ts';

export interface ContractCapabilities {
  /** Binds `{name:Type}` parameters (servers before 19.x cannot). */
  queryParams: boolean;
  /** Honours insert_deduplication_token on a MergeTree with non_replicated_deduplication_window. */
  deduplicationToken: boolean;
  /** A new ClickHouse on the same data (directory or server), for use after the first is closed. */
  reopen(logger: Logger): Promise<ClickHouse>;
}

export interface OpenedClickHouse {
  ch: ClickHouse;
  /** The database the adapter was opened on. */
  database: string;
  capabilities: ContractCapabilities;
}

interface LogRecord {
  level: number;
  msg: string;
  setting?: string;
}

const PINO_WARN = 40;
/** Enough rows that both engines send the result in more than one chunk. */
const STREAM_ROWS = 200_000;
/** How often the event-loop probe ticks during the long query. */
const TICK_MS = 10;
// Hashes 2e8 numbers: a few hundred ms to a second on a small CI machine on either engine, long
// enough that a blocked event loop would show, short enough to keep the suite fast.
const LONG_QUERY = 'SELECT count() AS n FROM numbers(200000000) WHERE intHash64(number) % 7 = 3';

/** A logger whose records the tests can read back. */
function capturingLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') records.push(JSON.parse(line) as LogRecord);
      }
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), records };
}

async function collectText(stream: AsyncIterable<Uint8Array>): Promise<{ text: string; chunks: number }> {
  const decoder = new TextDecoder();
  let text = '';
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    text += decoder.decode(chunk, { stream: true });
  }
  return { text: text + decoder.decode(), chunks };
}

async function caught(promise: Promise<unknown>): Promise<ClickHouseError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ClickHouseError);
    return error as ClickHouseError;
  }
  throw new Error('expected the call to reject with a ClickHouseError');
}

export function describeClickHouseContract(
  name: string,
  open: (logger: Logger) => Promise<OpenedClickHouse>,
): void {
  describe(`ClickHouse contract: ${name}`, () => {
    const log = capturingLogger();
    let ch: ClickHouse;
    let database: string;
    let capabilities: ContractCapabilities;

    beforeAll(async () => {
      ({ ch, database, capabilities } = await open(log.logger));
    });

    afterAll(async () => {
      await ch?.close();
    });

    async function createTable(columns = 'id UInt64, name String', extra = ''): Promise<string> {
      const table = uniqueId('contract');
      await ch.command(`CREATE TABLE ${table} (${columns}) ENGINE = MergeTree ORDER BY id ${extra}`);
      return table;
    }

    async function count(table: string): Promise<string | undefined> {
      const rows = await ch.query<{ n: string }>(`SELECT count() AS n FROM ${table}`);
      return rows[0]?.n;
    }

    it('reports a version, answers ping and runs every statement in its database', async () => {
      expect(await ch.serverVersion()).toMatch(/^\d+\.\d+\.\d+/);
      expect(await ch.ping()).toBe(true);
      expect(await ch.query('SELECT currentDatabase() AS db')).toEqual([{ db: database }]);
      const table = await createTable();
      // Created unqualified, found qualified: the command ran in the adapter's database.
      expect(await ch.query(`SELECT count() AS n FROM ${database}.${table}`)).toEqual([{ n: '0' }]);
    });

    it('inserts objects and returns typed rows, 64-bit integers as strings', async () => {
      const table = await createTable(
        "id UInt64, name String, score Float64, at DateTime('UTC'), tags Array(String), delta Int64",
      );
      await ch.insert(table, [
        { id: 2, name: 'b', score: 2.25, at: '2024-01-02 03:04:05', tags: [], delta: -5 },
        {
          id: 9007199254740993n,
          name: 'a "quoted" \\ name',
          score: 1.5,
          at: '2024-01-01 00:00:00',
          tags: ['x'],
          delta: 0,
        },
      ]);
      const rows = await ch.query<{
        id: string;
        name: string;
        score: number;
        at: string;
        tags: string[];
        delta: string;
      }>(`SELECT id, name, score, at, tags, delta FROM ${table} ORDER BY id`);
      expect(rows).toEqual([
        { id: '2', name: 'b', score: 2.25, at: '2024-01-02 03:04:05', tags: [], delta: '-5' },
        {
          id: '9007199254740993',
          name: 'a "quoted" \\ name',
          score: 1.5,
          at: '2024-01-01 00:00:00',
          tags: ['x'],
          delta: '0',
        },
      ]);
      expect(await count(table)).toBe('2');
    });

    it('inserts raw JSONEachRow bytes and strings, and treats an empty batch as a no-op', async () => {
      const table = await createTable();
      await ch.insert(table, { jsonEachRow: Buffer.from('{"id":1,"name":"one"}\n{"id":2,"name":"two"}\n') });
      await ch.insert(table, { jsonEachRow: '{"id":3,"name":"three"}\n' });
      await ch.insert(table, []);
      await ch.insert(table, { jsonEachRow: Buffer.alloc(0) });
      expect(await ch.query(`SELECT id, name FROM ${table} ORDER BY id`)).toEqual([
        { id: '1', name: 'one' },
        { id: '2', name: 'two' },
        { id: '3', name: 'three' },
      ]);
    });

    it('inserts a local JSONEachRow file, once per deduplication token, and an empty file as a no-op', async () => {
      const table = await createTable(
        'id UInt64, name String',
        capabilities.deduplicationToken ? 'SETTINGS non_replicated_deduplication_window = 100' : '',
      );
      const dir = await mkdtemp(path.join(tmpdir(), 'contract-file-'));
      try {
        // A quote and a backslash in the path: it is written into SQL by the embedded engine.
        const file = path.join(dir, "it's a \\ segment.jsonl");
        await writeFile(file, '{"id":1,"name":"one"}\n{"id":2,"name":"two"}\n');
        const empty = path.join(dir, 'empty.jsonl');
        await writeFile(empty, '');
        await ch.insert(table, { jsonEachRowFile: file }, { deduplicationToken: 'file' });
        await ch.insert(table, { jsonEachRowFile: empty });
        if (capabilities.deduplicationToken) {
          await ch.insert(table, { jsonEachRowFile: file }, { deduplicationToken: 'file' });
        }
        expect(await ch.query(`SELECT id, name FROM ${table} ORDER BY id`)).toEqual([
          { id: '1', name: 'one' },
          { id: '2', name: 'two' },
        ]);
        // A path with glob characters names that one file, never the files it would match.
        const globbed = path.join(dir, 'segment-*.jsonl');
        await writeFile(globbed, '{"id":3,"name":"three"}\n');
        await writeFile(path.join(dir, 'segment-other.jsonl'), '{"id":4,"name":"four"}\n');
        await ch.insert(table, { jsonEachRowFile: globbed });
        expect(await count(table)).toBe('3');
        await expect(
          ch.insert(table, { jsonEachRowFile: path.join(dir, 'missing.jsonl') }),
        ).rejects.toThrow();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('binds query parameters server-side, or says the server is too old for them', async () => {
      const table = await createTable();
      const tricky = `o'brien \\ "x" --`;
      await ch.insert(table, [
        { id: 1, name: tricky },
        { id: 2, name: 'plain' },
      ]);
      const sql = `SELECT id FROM ${table} WHERE name = {name:String} AND id >= {min:UInt64} ORDER BY id`;
      if (capabilities.queryParams) {
        expect(await ch.query(sql, { params: { name: tricky, min: 1 } })).toEqual([{ id: '1' }]);
        expect(await ch.query(sql, { params: { name: "' OR 1=1 --", min: 0 } })).toEqual([]);
        await ch.command(`ALTER TABLE ${table} DELETE WHERE id = {id:UInt64}`, {
          params: { id: 2 },
          settings: { mutations_sync: 1 },
        });
        expect(await count(table)).toBe('1');
      } else {
        const error = await caught(ch.query(sql, { params: { name: tricky, min: 1 } }));
        expect(error.type).toBe('UNSUPPORTED_SERVER_VERSION');
        expect(error.message).toMatch(/too old for query parameters.*23\.8/);
      }
    });

    it('applies per-query settings to that query only', async () => {
      const sql = 'SELECT number FROM numbers(5)';
      const limited = { settings: { max_result_rows: 1, result_overflow_mode: 'throw' } };
      // Overlapping on purpose: a setting must not leak into a neighbour's query.
      const [error, plain] = await Promise.all([caught(ch.query(sql, limited)), ch.query(sql)]);
      expect(error.message).toMatch(/Limit for result exceeded|result rows/i);
      expect(plain).toHaveLength(5);
      expect(await ch.query(sql)).toHaveLength(5);
    });

    it("keeps a read-only query's settings from the next insert, and a failed query's rows from the next query", async () => {
      const table = await createTable();
      const readOnly = { settings: { readonly: 2, max_result_rows: 100, result_overflow_mode: 'throw' } };
      expect(await ch.query('SELECT 1 AS one', readOnly)).toEqual([{ one: 1 }]);
      expect(await ch.query('SELECT 2 AS two', readOnly)).toEqual([{ two: 2 }]);
      await ch.insert(table, [{ id: 1 }]);
      // Past the limit after part of the output was written; the next answer is its own alone.
      await caught(ch.query('SELECT number FROM numbers(100000)', readOnly));
      expect(await ch.query('SELECT number FROM numbers(3)', readOnly)).toHaveLength(3);
      expect(await ch.query(`SELECT count() AS n FROM ${table}`)).toEqual([{ n: '1' }]);
    });

    it('drops a setting the engine does not know, warning once per name', async () => {
      const unknown = uniqueId('no_such_setting');
      const options = { settings: { [unknown]: 1 } };
      expect(await ch.query('SELECT 1 AS one', options)).toEqual([{ one: 1 }]);
      await ch.command('SELECT 1', options);
      const warnings = log.records.filter((record) => record.setting === unknown);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.level).toBe(PINO_WARN);
    });

    it('streams a result chunk by chunk in the requested format', async () => {
      const { text, chunks } = await collectText(
        ch.stream(`SELECT number FROM numbers(${STREAM_ROWS})`, 'CSV'),
      );
      const lines = text.trimEnd().split('\n');
      expect(lines).toHaveLength(STREAM_ROWS);
      expect(lines[STREAM_ROWS - 1]).toBe(String(STREAM_ROWS - 1));
      expect(chunks).toBeGreaterThan(1);
      if (capabilities.queryParams) {
        const bound = await collectText(
          ch.stream('SELECT number FROM numbers(10) WHERE number >= {min:UInt64}', 'JSONEachRow', {
            params: { min: 8 },
          }),
        );
        expect(bound.text).toBe('{"number":"8"}\n{"number":"9"}\n');
      }
    });

    it('keeps serving other calls while a stream is open, and after a reader stops early', async () => {
      const table = await createTable();
      const iterator = ch.stream(`SELECT number FROM numbers(${STREAM_ROWS})`, 'TSV')[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.done).toBe(false);
      await ch.insert(table, [{ id: 1, name: 'during stream' }]);
      expect(await count(table)).toBe('1');
      let rest = 0;
      for (let next = await iterator.next(); !next.done; next = await iterator.next())
        rest += next.value.length;
      expect(rest).toBeGreaterThan(0);

      for await (const _chunk of ch.stream(`SELECT number FROM numbers(${STREAM_ROWS})`, 'TSV')) break;
      expect(await ch.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    });

    it('does not run a call whose signal has already aborted', async () => {
      const table = uniqueId('aborted');
      const signal = AbortSignal.abort();
      const sql = `CREATE TABLE ${table} (id UInt64) ENGINE = MergeTree ORDER BY id`;
      expect((await caught(ch.command(sql, { signal }))).type).toBe('ABORTED');
      expect((await caught(ch.query('SELECT 1', { signal }))).type).toBe('ABORTED');
      expect((await caught(collectText(ch.stream('SELECT 1', 'CSV', { signal })))).type).toBe('ABORTED');
      expect((await caught(ch.query(`SELECT * FROM ${table}`))).code).toBe(60);
    });

    it('runs overlapping calls correctly', async () => {
      const table = await createTable();
      const ids = Array.from({ length: 20 }, (_, i) => i);
      await Promise.all([
        ...ids.map((id) => ch.insert(table, [{ id, name: `n${id}` }])),
        ...ids.map(() => ch.query('SELECT 1 AS one')),
      ]);
      expect(await count(table)).toBe('20');
    });

    it('maps engine errors to ClickHouseError with code and type', async () => {
      const missing = uniqueId('missing');
      const unknownTable = await caught(ch.query(`SELECT * FROM ${missing}`));
      expect(unknownTable).toMatchObject({ code: 60, type: 'UNKNOWN_TABLE', unavailable: false });
      expect(unknownTable.message).toContain(missing);
      expect(await caught(ch.insert(missing, [{ id: 1 }]))).toMatchObject({
        code: 60,
        type: 'UNKNOWN_TABLE',
      });
      expect(await caught(ch.command('SELEC 1'))).toMatchObject({ code: 62, type: 'SYNTAX_ERROR' });
      expect(await caught(ch.query('SELECT FROM WHERE'))).toMatchObject({ code: 62, unavailable: false });
      expect(await caught(collectText(ch.stream(`SELECT * FROM ${missing}`, 'CSV')))).toMatchObject({
        code: 60,
      });
      const table = await createTable();
      expect(await caught(ch.insert(table, { jsonEachRow: '{"id":"not a number"}\n' }))).toMatchObject({
        unavailable: false,
      });
      expect(await caught(ch.insert('bad name; DROP TABLE x', [{ id: 1 }]))).toMatchObject({
        type: 'BAD_ARGUMENTS',
      });
    });

    it('stores a batch once per deduplication token', async () => {
      const batch = [
        { id: 1, name: 'a' },
        { id: 2, name: 'b' },
      ];
      if (!capabilities.deduplicationToken) {
        // Servers without tokens (or the table setting) drop the token with a warning; the insert lands.
        const plain = await createTable();
        await ch.insert(plain, batch, { deduplicationToken: 'first' });
        expect(await count(plain)).toBe('2');
        expect(log.records.some((record) => record.setting === 'insert_deduplication_token')).toBe(true);
        return;
      }
      const table = await createTable(
        'id UInt64, name String',
        'SETTINGS non_replicated_deduplication_window = 100',
      );
      await ch.insert(table, batch, { deduplicationToken: 'first' });
      await ch.insert(table, batch, { deduplicationToken: 'first' });
      expect(await count(table)).toBe('2');
      await ch.insert(table, { jsonEachRow: toLines(batch) }, { deduplicationToken: 'second' });
      expect(await count(table)).toBe('4');
      await ch.insert(table, { jsonEachRow: toLines(batch) }, { deduplicationToken: 'second' });
      expect(await count(table)).toBe('4');
    });

    it('keeps the event loop free during a long query', async () => {
      const ticks: number[] = [];
      const started = performance.now();
      const timer = setInterval(() => ticks.push(performance.now()), TICK_MS);
      try {
        const rows = await ch.query<{ n: string }>(LONG_QUERY);
        expect(Number(rows[0]?.n)).toBeGreaterThan(0);
      } finally {
        clearInterval(timer);
      }
      const elapsed = performance.now() - started;
      const marks = [started, ...ticks, performance.now()];
      const longestGap = Math.max(...marks.slice(1).map((mark, i) => mark - (marks[i] ?? mark)));
      // Blocked, the loop would show one gap as long as the query and almost no ticks.
      expect(ticks.length).toBeGreaterThanOrEqual(5);
      expect(longestGap).toBeLessThan(elapsed / 2);
    });

    it('closes for good, and a new instance on the same data sees what was stored', async () => {
      const table = await createTable();
      await ch.insert(table, [
        { id: 1, name: 'kept' },
        { id: 2, name: 'kept too' },
      ]);
      await ch.close();
      await ch.close();
      expect(await ch.ping()).toBe(false);
      expect((await caught(ch.query('SELECT 1'))).type).toBe('CLOSED');
      expect((await caught(ch.insert(table, [{ id: 3, name: 'late' }]))).type).toBe('CLOSED');

      ch = await capabilities.reopen(log.logger);
      expect(await ch.query(`SELECT name FROM ${table} ORDER BY id`)).toEqual([
        { name: 'kept' },
        { name: 'kept too' },
      ]);
    });
  });
}

function toLines(rows: readonly Record<string, unknown>[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
}
