// Reads the numbered .sql files, each with the checksum the runner compares against the one it
// recorded when the migration was applied.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationError } from './migration-error.ts';

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

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Every migration in `dir`, ordered by version. Throws on a misnamed, duplicated or empty file. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) {
      throw new MigrationError(
        'migration_invalid_file',
        `${file}: migration files are named NNNN_snake_case.sql (e.g. 0002_add_column.sql)`,
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
    const sql = (await readFile(path.join(dir, file), 'utf8')).replace(/\r\n/g, '\n');
    if (sql.trim() === '') throw new MigrationError('migration_invalid_file', `${file}: is empty`);
    migrations.push({ version, name: file.slice(0, -'.sql'.length), checksum: sha256(sql), sql });
  }
  return migrations;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
