// One structured JSON logger, created by the launcher and passed down. Anything that could
// carry a secret (API keys, passwords, tokens, cookies) is redacted by path here, so call
// sites cannot forget. The ingest hot path logs aggregates, never a line per event.
import { type Logger, pino } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'apiKey',
  'key',
  'password',
  'token',
  'secret',
  'authorization',
  '*.apiKey',
  '*.key',
  '*.password',
  '*.token',
  '*.secret',
  '*.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
];

export interface LoggerOptions {
  level: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to scan output for secrets. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'clickstream' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}

/** A logger that drops everything: for unit tests of code that requires one. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
