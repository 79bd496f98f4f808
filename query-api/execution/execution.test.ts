// Execution limits on a real engine: a query past its time limit or its row limit becomes a clear
// 400 the client can act on, an unreachable engine a 503, and anything else stays an error.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedClickHouse } from '../../clickhouse/embedded/index.ts';
import type { ClickHouse } from '../../clickhouse/index.ts';
import { ClickHouseError } from '../../clickhouse/index.ts';
import { HttpError } from '../../runtime/errors/index.ts';
import { silentLogger } from '../../runtime/logger/index.ts';
import { tempDir } from '../../runtime/testing/services.ts';
import { MAX_RESULT_ROWS, mapEngineError, orBadRequest, querySettings, reject, runQuery } from './index.ts';

let ch: ClickHouse;
let dataDir: string;

beforeAll(async () => {
  dataDir = await tempDir('qa-execution');
  ch = await createEmbeddedClickHouse({ dataDir, database: 'analytics', logger: silentLogger() });
});
afterAll(async () => {
  await ch?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const caught = async (run: () => Promise<unknown>) => {
  try {
    await run();
  } catch (error) {
    return mapEngineError(error);
  }
  throw new Error('expected a failure');
};

describe('execution limits', () => {
  it('turns a query past max_execution_time into 400 query_too_expensive', async () => {
    const error = await caught(() =>
      ch.query('SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) % 7 = 3', {
        settings: { ...querySettings(), max_execution_time: 1 },
      }),
    );
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).toBody().error.code).toBe('query_too_expensive');
    expect((error as HttpError).status).toBe(400);
  });

  it('turns an answer past the row limit into 400 too_many_rows', async () => {
    const error = await caught(() =>
      runQuery(ch, 'SELECT number FROM numbers({n:UInt64})', { n: MAX_RESULT_ROWS + 1 }),
    );
    expect((error as HttpError).toBody().error.code).toBe('too_many_rows');
    expect(await runQuery(ch, 'SELECT number FROM numbers({n:UInt64})', { n: MAX_RESULT_ROWS })).toHaveLength(
      MAX_RESULT_ROWS,
    );
  });

  it.each([
    [new ClickHouseError('down', undefined, 'CONNECTION_FAILED', true), 503, 'clickhouse_unavailable'],
    [new ClickHouseError('Code: 62. Syntax error', 62, 'SYNTAX_ERROR'), undefined, undefined],
    [new Error('a bug'), undefined, undefined],
  ])('maps %s', (error, status, code) => {
    const mapped = mapEngineError(error);
    if (status === undefined) expect(mapped).toBe(error);
    else expect([(mapped as HttpError).status, (mapped as HttpError).code]).toEqual([status, code]);
  });

  it('turns a rejected step into a 400 with its code', () => {
    expect(() => orBadRequest(reject('invalid_range', 'startDate is wrong'))).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_range', message: 'startDate is wrong' }),
    );
  });
});
