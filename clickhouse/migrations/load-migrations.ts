// Reads the numbered .sql files into migrations, each with the checksum the runner compares
// against what it recorded when the migration was applied.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationError } from './migration-error.ts';
import { StatementSplitError, splitStatements } from './split-statements.ts';

export interface Migration {
  /** The file's number, e.g. 3 for 0003_events_hourly.sql. */
  version: number;
  /** The file name without .sql, e.g. "0003_events_hourly": what the runner prints and records. */
  name: string;
  /** sha256 (hex) of the statements as sent: editing a comment does not change it. */
  checksum: string;
  statements: string[];
}

/** The migrations shipped with the product. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./sql/', import.meta.url));

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Every migration in `dir`, ordered by version. Throws on a misnamed or malformed file. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
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
    const text = await readFile(path.join(dir, file), 'utf8');
    let statements: string[];
    try {
      statements = splitStatements(text, file);
    } catch (error) {
      if (error instanceof StatementSplitError) {
        throw new MigrationError('migration_invalid_file', error.message, { cause: error });
      }
      throw error;
    }
    if (statements.length === 0) {
      throw new MigrationError('migration_invalid_file', `${file}: contains no statement`);
    }
    migrations.push({
      version,
      name: file.slice(0, -'.sql'.length),
      checksum: checksumOf(statements),
      statements,
    });
  }
  return migrations;
}

function checksumOf(statements: readonly string[]): string {
  return createHash('sha256').update(statements.join(';\n')).digest('hex');
}
