// Every failure leaves this folder as a PostgresError carrying the SQLSTATE, so callers branch on
// codes (23505 -> 409) instead of driver-specific error shapes.
import { PostgresError, SqlState } from './types.ts';

const SQLSTATE_PATTERN = /^[0-9A-Z]{5}$/;

/** Node socket errors that mean "Postgres is not reachable", not "the query was wrong". */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** pg reports some connection failures only by message. */
const CONNECTION_FAILURE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /server closed the connection/i,
  /client has encountered a connection error/i,
];

interface DriverErrorFields {
  code?: unknown;
  constraint?: unknown;
}

export function toPostgresError(err: unknown): PostgresError {
  if (err instanceof PostgresError) return err;
  if (!(err instanceof Error)) return new PostgresError(String(err), undefined, undefined, { cause: err });
  const { code, constraint } = err as Error & DriverErrorFields;
  if (isConnectionFailure(err, code)) {
    return new PostgresError(`Postgres unavailable: ${err.message}`, SqlState.connectionFailure, undefined, {
      cause: err,
    });
  }
  if (typeof code === 'string' && SQLSTATE_PATTERN.test(code)) {
    const constraintName = typeof constraint === 'string' ? constraint : undefined;
    return new PostgresError(err.message, code, constraintName, { cause: err });
  }
  return new PostgresError(err.message, undefined, undefined, { cause: err });
}

function isConnectionFailure(err: Error, code: unknown): boolean {
  if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return true;
  return CONNECTION_FAILURE_MESSAGES.some((pattern) => pattern.test(err.message));
}

export function closedError(): PostgresError {
  return new PostgresError('Postgres client is closed', SqlState.connectionDoesNotExist, undefined);
}

export function abortedTransactionError(cause?: unknown): PostgresError {
  return new PostgresError(
    'Transaction was aborted by an earlier error and has been rolled back',
    SqlState.inFailedTransaction,
    undefined,
    { cause },
  );
}

export function finishedTransactionError(): PostgresError {
  return new PostgresError(
    'Transaction already finished: this tx handle can no longer be used',
    '25000',
    undefined,
  );
}
