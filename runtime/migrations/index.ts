// What the ClickHouse and Postgres migration runners share: reading a folder of numbered .sql
// files in order, and one error type with stable codes. Each runner keeps its own notion of a
// statement and a checksum; this folder never talks to a database.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export type MigrationErrorCode =
  /** An applied migration's file was edited after it ran. */
  | 'migration_checksum_mismatch'
  /** A file in the migrations folder is misnamed, duplicated, empty or cannot be split. */
  | 'migration_invalid_file'
  /** A statement failed; the migration is not recorded and will re-run. */
  | 'migration_failed';

/** Migration failures carry a stable code so the launcher can report them without parsing text. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface MigrationFile {
  /** The file's number, e.g. 3 for 0003_events_hourly.sql. */
  version: number;
  /** The file name without .sql: what runners print and record. */
  name: string;
  file: string;
  /** The file's text with line endings normalized, so a Windows checkout checksums the same. */
  text: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Every NNNN_name.sql file in `dir`, ordered by version. Throws on a misnamed or reused number. */
export async function readMigrationFiles(dir: string): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: MigrationFile[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) {
      throw new MigrationError(
        'migration_invalid_file',
        `${file}: migration files are named NNNN_snake_case.sql (e.g. 0008_add_column.sql)`,
      );
    }
    const version = Number(match[1]);
    const previous = migrations.at(-1);
    if (previous?.version === version) {
      throw new MigrationError(
        'migration_invalid_file',
        `${file}: version ${match[1]} is already used by ${previous.name}.sql`,
      );
    }
    const text = (await readFile(path.join(dir, file), 'utf8')).replace(/\r\n/g, '\n');
    migrations.push({ version, name: file.slice(0, -'.sql'.length), file, text });
  }
  return migrations;
}
