// The few pieces of SQL text an adapter has to write itself: identifiers and format names (which
// cannot be bound as parameters, so they are checked against a strict pattern instead), and rows
// in JSONEachRow form. Values never go into SQL text: they are bound or sent as data.
import { ClickHouseError } from '../types.ts';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;
const FORMAT_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

function invalid(what: string, value: string): ClickHouseError {
  return new ClickHouseError(`Invalid ${what} ${JSON.stringify(value)}`, undefined, 'BAD_ARGUMENTS');
}

/** A database name safe to write into SQL; throws ClickHouseError otherwise. */
export function databaseName(name: string): string {
  if (!IDENTIFIER.test(name)) throw invalid('database name', name);
  return name;
}

/** A table name (optionally `database.table`) safe to write into SQL. */
export function tableName(name: string): string {
  if (!TABLE_NAME.test(name)) throw invalid('table name', name);
  return name;
}

/** An output format name (CSV, JSONEachRow, Parquet...) safe to write after FORMAT. */
export function formatName(name: string): string {
  if (!FORMAT_NAME.test(name)) throw invalid('format name', name);
  return name;
}

/** The statement without trailing semicolons, so a FORMAT clause can follow it. */
export function withoutTrailingSemicolon(sql: string): string {
  return sql.trim().replace(/;+\s*$/, '');
}

// JSON has no 64-bit integers: bigint goes out as a string, which ClickHouse parses into
// (U)Int64 columns exactly.
function jsonValue(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Objects as JSONEachRow bytes: one JSON object per line. */
export function toJsonEachRow(rows: readonly Readonly<Record<string, unknown>>[]): Buffer {
  return Buffer.from(rows.map((row) => `${JSON.stringify(row, jsonValue)}\n`).join(''), 'utf8');
}

/** Rows from JSONEachRow text. */
export function parseJsonEachRow<T>(text: string): T[] {
  const rows: T[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() !== '') rows.push(JSON.parse(line) as T);
  }
  return rows;
}
