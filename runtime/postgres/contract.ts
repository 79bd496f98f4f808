// The behaviour both Postgres implementations promise, as one suite. postgres.test.ts runs it on
// PGlite and postgres.integration.test.ts on a real server: any difference is a failing test.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { uniqueId } from '../testing/services.ts';
import { type Postgres, PostgresError, SqlState } from './types.ts';

/** Opens the client under test; the suite closes it in its last test. */
export type OpenPostgres = () => Promise<Postgres>;

class MarkerError extends Error {}

export function postgresContract(open: OpenPostgres): void {
  let pg: Postgres;
  const table = uniqueId('pgc');
  const nameKey = `${table}_name_key`;

  beforeAll(async () => {
    pg = await open();
    await pg.exec(`CREATE TABLE ${table} (
      id serial PRIMARY KEY,
      name text NOT NULL CONSTRAINT ${nameKey} UNIQUE,
      n bigint NOT NULL DEFAULT 0,
      tags text[] NOT NULL DEFAULT '{}',
      meta jsonb,
      at timestamptz NOT NULL DEFAULT now()
    )`);
  });

  afterAll(async () => {
    // Normally a no-op: the last test drops the table and closes the client.
    await pg?.close();
  });

  const names = async (prefix: string): Promise<string[]> => {
    const { rows } = await pg.query<{ name: string }>(
      `SELECT name FROM ${table} WHERE name LIKE $1 ORDER BY name`,
      [`${prefix}%`],
    );
    return rows.map((row) => row.name);
  };

  it('binds parameters and returns rows, rowCount and the same value types in both modes', async () => {
    const hostile = "q1-x'); DROP TABLE users; --";
    const inserted = await pg.query<{ id: number }>(
      `INSERT INTO ${table} (name, n, tags, meta) VALUES ($1, $2, $3, $4), ($5, $6, $7, $8) RETURNING id`,
      ['q1-a', 9_007_199_254_740_993n, ['x', 'y'], JSON.stringify({ k: 1 }), hostile, 2, [], null],
    );
    expect(inserted.rowCount).toBe(2);
    expect(inserted.rows).toHaveLength(2);

    const { rows, rowCount } = await pg.query<{
      name: string;
      n: string;
      tags: string[];
      meta: unknown;
      at: Date;
      total: string;
      day: string;
    }>(
      `SELECT name, n, tags, meta, at, count(*) OVER () AS total, DATE '2024-02-29' AS day
       FROM ${table} WHERE name LIKE $1 ORDER BY name`,
      ['q1-%'],
    );
    expect(rowCount).toBe(2);
    expect(rows.map((row) => row.name)).toEqual(['q1-a', hostile]);
    // bigint stays exact (a string), like count(*); date stays a calendar date.
    expect(rows[0]).toMatchObject({ n: '9007199254740993', tags: ['x', 'y'], meta: { k: 1 }, total: '2' });
    expect(rows[0]?.day).toBe('2024-02-29');
    expect(rows[0]?.at).toBeInstanceOf(Date);

    const updated = await pg.query(`UPDATE ${table} SET n = n + 1 WHERE name LIKE $1`, ['q1-%']);
    expect(updated).toEqual({ rows: [], rowCount: 2 });
  });

  it('takes exactly one statement in query() and several in exec()', async () => {
    await expect(pg.query('SELECT 1; SELECT 2')).rejects.toBeInstanceOf(PostgresError);
    await pg.exec(
      `INSERT INTO ${table} (name) VALUES ('q2-a'); INSERT INTO ${table} (name) VALUES ('q2-b');`,
    );
    expect(await names('q2-')).toEqual(['q2-a', 'q2-b']);
  });

  it('commits a transaction when fn resolves and returns its value', async () => {
    const value = await pg.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} (name) VALUES ($1)`, ['t1-a']);
      await tx.query(`INSERT INTO ${table} (name) VALUES ($1)`, ['t1-b']);
      const { rows } = await tx.query<{ c: string }>(
        `SELECT count(*) AS c FROM ${table} WHERE name LIKE 't1-%'`,
      );
      return rows[0]?.c;
    });
    expect(value).toBe('2');
    expect(await names('t1-')).toEqual(['t1-a', 't1-b']);
  });

  it('rolls a transaction back when fn throws and rethrows the very same error', async () => {
    const marker = new MarkerError('stop');
    const attempt = pg.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} (name) VALUES ($1)`, ['t2-a']);
      throw marker;
    });
    await expect(attempt).rejects.toBe(marker);
    expect(await names('t2-')).toEqual([]);
  });

  it('fails the commit (25P02) instead of silently dropping work when fn swallowed a query error', async () => {
    await pg.query(`INSERT INTO ${table} (name) VALUES ('t3-dup')`);
    const attempt = pg.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} (name) VALUES ('t3-kept?')`);
      await tx.query(`INSERT INTO ${table} (name) VALUES ('t3-dup')`).catch(() => undefined);
      return 'done';
    });
    await expect(attempt).rejects.toMatchObject({
      name: 'PostgresError',
      code: SqlState.inFailedTransaction,
    });
    expect(await names('t3-')).toEqual(['t3-dup']);
  });

  it('maps a unique violation to SQLSTATE 23505 with the constraint name, in and out of transactions', async () => {
    await pg.query(`INSERT INTO ${table} (name) VALUES ('e1-a')`);
    const outside = await pg
      .query(`INSERT INTO ${table} (name) VALUES ('e1-a')`)
      .catch((err: unknown) => err);
    expect(outside).toBeInstanceOf(PostgresError);
    expect(outside).toMatchObject({ code: SqlState.uniqueViolation, constraint: nameKey });

    const inside = await pg
      .transaction((tx) => tx.query(`INSERT INTO ${table} (name) VALUES ('e1-a')`))
      .catch((err: unknown) => err);
    expect(inside).toBeInstanceOf(PostgresError);
    expect(inside).toMatchObject({ code: SqlState.uniqueViolation, constraint: nameKey });
  });

  it('maps other failures to their SQLSTATE (syntax 42601, undefined table 42P01, not null 23502)', async () => {
    await expect(pg.query('SELEC 1')).rejects.toMatchObject({ name: 'PostgresError', code: '42601' });
    await expect(pg.query(`SELECT * FROM ${table}_missing`)).rejects.toMatchObject({ code: '42P01' });
    await expect(pg.query(`INSERT INTO ${table} (name) VALUES (NULL)`)).rejects.toMatchObject({
      code: SqlState.notNullViolation,
    });
  });

  it('refuses a tx handle used after its transaction ended', async () => {
    let leaked: { query: Postgres['query'] } | undefined;
    await pg.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked?.query('SELECT 1')).rejects.toMatchObject({
      name: 'PostgresError',
      code: SqlState.invalidTransactionState,
    });
  });

  it('rejects the outer client inside a transaction instead of deadlocking', async () => {
    const attempt = pg.transaction(async () => pg.query('SELECT 1'));
    await expect(attempt).rejects.toThrow(/use the tx argument/);
    // Once the transaction is over the outer client works again.
    expect((await pg.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    // The check is switched off between transactions and on again for each: later ones still
    // refuse the outer client.
    for (let round = 0; round < 2; round++) {
      await expect(pg.transaction(async () => pg.query('SELECT 1'))).rejects.toThrow(/use the tx argument/);
    }
  });

  it('keeps parallel transactions and queries apart: each commits or rolls back only its own rows', async () => {
    const txCount = 8;
    const outcomes = await Promise.allSettled(
      Array.from({ length: txCount }, (_, i) =>
        pg.transaction(async (tx) => {
          const ids = await tx.query<{ id: string }>('SELECT txid_current()::text AS id');
          for (let row = 0; row < 3; row++) {
            await tx.query(`INSERT INTO ${table} (name, n) VALUES ($1, $2)`, [`c1-${i}-${row}`, i]);
            // Yield to the event loop so other transactions and queries get every chance to interleave.
            await new Promise((resolve) => setTimeout(resolve, 2));
          }
          const again = await tx.query<{ id: string }>('SELECT txid_current()::text AS id');
          expect(again.rows[0]?.id).toBe(ids.rows[0]?.id);
          if (i % 2 === 1) throw new MarkerError(`roll back ${i}`);
          return ids.rows[0]?.id;
        }),
      ),
    );
    const plain = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        pg.query(`INSERT INTO ${table} (name) VALUES ($1) RETURNING name`, [`c1-plain-${i}`]),
      ),
    );

    expect(plain.map((result) => result.rowCount)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(
      Array.from({ length: txCount }, (_, i) => (i % 2 === 0 ? 'fulfilled' : 'rejected')),
    );
    const txIds = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    expect(new Set(txIds).size).toBe(txCount / 2);
    const committed = await pg.query<{ n: string; c: string }>(
      `SELECT n, count(*) AS c FROM ${table} WHERE name LIKE 'c1-%' AND name NOT LIKE 'c1-plain-%' GROUP BY n ORDER BY n`,
    );
    expect(committed.rows).toEqual([
      { n: '0', c: '3' },
      { n: '2', c: '3' },
      { n: '4', c: '3' },
      { n: '6', c: '3' },
    ]);
    expect(await names('c1-plain-')).toHaveLength(6);
  });

  it('never lets a query started during a transaction be rolled back with it', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const rolledBack = pg.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} (name) VALUES ('c2-in-tx')`);
      await gate;
      throw new MarkerError('roll back');
    });
    // Issued while the transaction is open; it must land outside it.
    const outside = pg.query(`INSERT INTO ${table} (name) VALUES ('c2-outside')`);
    setTimeout(release, 20);
    await expect(rolledBack).rejects.toBeInstanceOf(MarkerError);
    await outside;
    expect(await names('c2-')).toEqual(['c2-outside']);
  });

  it('answers ping', async () => {
    expect(await pg.ping()).toBe(true);
  });

  // Last, because it ends the client every other test used (opening another costs seconds on PGlite).
  it('closes: ping turns false, calls fail with 08003, a second close is a no-op', async () => {
    await pg.exec(`DROP TABLE ${table}`);
    await pg.close();
    expect(await pg.ping()).toBe(false);
    await expect(pg.query('SELECT 1')).rejects.toMatchObject({
      name: 'PostgresError',
      code: SqlState.connectionDoesNotExist,
    });
    await expect(pg.exec('SELECT 1')).rejects.toMatchObject({ code: SqlState.connectionDoesNotExist });
    await expect(pg.transaction(async () => 1)).rejects.toMatchObject({
      code: SqlState.connectionDoesNotExist,
    });
    await pg.close();
  });
}
