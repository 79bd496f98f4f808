// Turns an engine's error text into a ClickHouseError with a numeric code and a symbolic type,
// the same way for both adapters. Modern engines end their messages with the type, e.g.
// "Code: 60. DB::Exception: ... (UNKNOWN_TABLE)"; servers older than ~20.x (Debian's 18.16) write
// "Code: 60, e.displayText() = DB::Exception: ..." and name no type, so common codes are looked up.
import { ClickHouseError } from '../types.ts';

const CODE_PATTERN = /Code:\s*(\d+)/;
// The last "(NAME)" before an optional "(version x)" trailer.
const TYPE_PATTERN = /\(([A-Z][A-Z0-9_]{2,})\)(?:\s*\(version [^)]*\))?[.\s]*$/;

/** Names for the codes callers branch on, for servers that do not print them. */
const TYPE_BY_CODE: Readonly<Record<number, string>> = {
  16: 'NO_SUCH_COLUMN_IN_TABLE',
  26: 'CANNOT_PARSE_QUOTED_STRING',
  27: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
  36: 'BAD_ARGUMENTS',
  46: 'UNKNOWN_FUNCTION',
  47: 'UNKNOWN_IDENTIFIER',
  53: 'TYPE_MISMATCH',
  57: 'TABLE_ALREADY_EXISTS',
  60: 'UNKNOWN_TABLE',
  62: 'SYNTAX_ERROR',
  81: 'UNKNOWN_DATABASE',
  82: 'DATABASE_ALREADY_EXISTS',
  115: 'UNKNOWN_SETTING',
  117: 'INCORRECT_DATA',
  159: 'TIMEOUT_EXCEEDED',
  164: 'READONLY',
  202: 'TOO_MANY_SIMULTANEOUS_QUERIES',
  209: 'SOCKET_TIMEOUT',
  210: 'NETWORK_ERROR',
  241: 'MEMORY_LIMIT_EXCEEDED',
  242: 'TABLE_IS_READ_ONLY',
  252: 'TOO_MANY_PARTS',
  394: 'QUERY_WAS_CANCELLED',
  497: 'ACCESS_DENIED',
};

export interface ParsedEngineError {
  code: number | undefined;
  type: string | undefined;
}

/** Code and type from an engine message; either may be undefined when the text has none. */
export function parseEngineError(message: string): ParsedEngineError {
  const codeText = CODE_PATTERN.exec(message)?.[1];
  const code = codeText === undefined ? undefined : Number(codeText);
  const type =
    TYPE_PATTERN.exec(message.trim())?.[1] ?? (code === undefined ? undefined : TYPE_BY_CODE[code]);
  return { code, type };
}

/** A ClickHouseError for an engine's message; `known` fills in what the caller already parsed. */
export function engineError(
  message: string,
  cause: unknown,
  known: Partial<ParsedEngineError> = {},
): ClickHouseError {
  const parsed = parseEngineError(message);
  const code = known.code ?? parsed.code;
  const type = known.type ?? parsed.type ?? (code === undefined ? undefined : TYPE_BY_CODE[code]);
  return new ClickHouseError(message.trim(), code, type, false, { cause });
}

/** The message of anything thrown, without assuming it is an Error. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
