// Reads the numbered .sql files, each with the checksum the runner compares against the one it
// recorded when the migration was applied.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { MigrationError, readMigrationFiles } from '../../runtime/migrations/index.ts';

export interface Migration {
  /** The file's number, e.g. 2 for 0002_metric_alerts.sql. */
  version: number;
  /** File name without .sql, e.g. "0001_initial": what the runner logs and records. */
  name: string;
  /** sha256 (hex) of the file with line endings normalized, so a checkout on Windows matches. */
  checksum: string;
  sql: string;
}

/** The migrations shipped with the product. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Every migration in `dir`, ordered by version. Throws on a misnamed, duplicated or empty file. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  return (await readMigrationFiles(dir)).map(({ version, name, file, text }) => {
    if (text.trim() === '') throw new MigrationError('migration_invalid_file', `${file}: is empty`);
    return { version, name, checksum: sha256(text), sql: text };
  });
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
