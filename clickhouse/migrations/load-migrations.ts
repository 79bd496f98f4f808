// Reads the numbered .sql files into migrations, each with the checksum the runner compares
// against what it recorded when the migration was applied.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { MigrationError, readMigrationFiles } from '../../runtime/migrations/index.ts';
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

/** Every migration in `dir`, ordered by version. Throws on a misnamed or malformed file. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const { version, name, file, text } of await readMigrationFiles(dir)) {
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
    migrations.push({ version, name, checksum: checksumOf(statements), statements });
  }
  return migrations;
}

function checksumOf(statements: readonly string[]): string {
  return createHash('sha256').update(statements.join(';\n')).digest('hex');
}
