// Migration failures carry a stable code so the launcher can report them without parsing text.

export type MigrationErrorCode =
  /** An applied migration's file was edited after it ran. */
  | 'migration_checksum_mismatch'
  /** A file in the migrations folder is misnamed, duplicated or cannot be split. */
  | 'migration_invalid_file'
  /** A statement failed on the server; the migration is not recorded and will re-run. */
  | 'migration_failed';

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
