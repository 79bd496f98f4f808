// Request body bytes -> a JSON value, refusing what must never reach the rest of the pipeline:
// invalid UTF-8, malformed JSON, nesting deeper than the caller's limit, and the keys
// __proto__ / constructor / prototype anywhere.
//
// Cost model (measured in pipeline.bench.ts): V8's JSON.parse is iterative, so a 100,000-deep
// `[[[…` never overflows the stack, but it still builds every nested array (~25 ms for 100k
// levels, ~100 ms for a 1 MiB body) before we could look at the result. So one byte pass runs
// first: it tracks depth outside strings and stops at the first level past the limit, and it
// flags the two rare things that need a second look after parsing: a string spelled exactly like
// a forbidden name, and any \u escape (which can spell a forbidden name, or a lone surrogate).
// Only flagged bodies pay for a walk of the parsed tree; a typical batch pays for one tight loop.
import { isAscii, isUtf8 } from 'node:buffer';
import { ok, type Rejection, type Result, reject } from './result.ts';

export interface ParseOptions {
  /** Deepest allowed nesting of objects/arrays; `[]` is depth 1, `{"a":[]}` depth 2. */
  maxDepth: number;
}

/** Keys that reach Object.prototype or a class when code merges parsed objects into others. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const PROTO = Buffer.from('__proto__', 'latin1');
const PROTOTYPE = Buffer.from('prototype', 'latin1');
const CONSTRUCTOR = Buffer.from('constructor', 'latin1');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LOWER_U = 0x75;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

// Scan outcome bits.
const TOO_DEEP = 1;
const FORBIDDEN_NAME = 2;
const UNICODE_ESCAPE = 4;

/** JSON.parse messages can quote the input; we keep only the position so a reply stays small. */
const POSITION_PATTERN = /at position (\d+)/;
/** Lone UTF-16 surrogates: only \u escapes can produce them (isUtf8 refuses encoded ones). */
const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function parseJsonBody(bytes: Buffer | Uint8Array, options: ParseOptions): Result<unknown> {
  let body = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // RFC 8259 §8.1 lets a parser ignore a leading BOM; some .NET and PowerShell clients send one.
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);

  const ascii = isAscii(body);
  if (!ascii && !isUtf8(body)) return reject('invalid_utf8', 'The body is not valid UTF-8');
  // Before decoding: a deep body is refused after reading only up to its first excess level.
  const scan = scanStructure(body, options.maxDepth);
  if (scan & TOO_DEEP) {
    return reject('too_deep', `The body nests objects/arrays deeper than ${options.maxDepth} levels`);
  }

  let value: unknown;
  try {
    // Pure ASCII (the common case) decodes as latin1: a plain copy into a one-byte string.
    value = JSON.parse(body.toString(ascii ? 'latin1' : 'utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) return invalidJson(error);
    throw error;
  }
  if (scan === 0) return ok(value);
  return inspectTree(value, (scan & UNICODE_ESCAPE) !== 0, options.maxDepth);
}

/**
 * One pass over the bytes: depth of containers outside strings, and the FORBIDDEN_NAME /
 * UNICODE_ESCAPE hints. Exact for valid JSON; for invalid JSON it only has to see at least as
 * deep as JSON.parse would get before failing, which holds because both agree on every valid
 * prefix.
 */
function scanStructure(bytes: Uint8Array, maxDepth: number): number {
  const length = bytes.length;
  let depth = 0;
  let flags = 0;
  for (let i = 0; i < length; i++) {
    const byte = bytes[i];
    if (byte === QUOTE) {
      const start = ++i;
      while (i < length) {
        const inner = bytes[i];
        if (inner === QUOTE) break;
        if (inner === BACKSLASH) {
          if (bytes[i + 1] === LOWER_U) flags |= UNICODE_ESCAPE;
          i += 2;
        } else {
          i++;
        }
      }
      const size = i - start;
      if ((size === 9 || size === 11) && spellsForbiddenKey(bytes, start, size)) flags |= FORBIDDEN_NAME;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > maxDepth) return TOO_DEEP;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return flags;
}

/** Common 9- and 11-character keys (eventType, sessionId, anonymousId) leave at the first byte. */
function spellsForbiddenKey(bytes: Uint8Array, start: number, size: number): boolean {
  const first = bytes[start];
  const key =
    size === 11
      ? first === CONSTRUCTOR[0]
        ? CONSTRUCTOR
        : undefined
      : first === PROTO[0]
        ? PROTO
        : first === PROTOTYPE[0]
          ? PROTOTYPE
          : undefined;
  if (key === undefined) return false;
  for (let k = 1; k < size; k++) {
    if (bytes[start + k] !== key[k]) return false;
  }
  return true;
}

function invalidJson(error: SyntaxError): Rejection {
  const position = POSITION_PATTERN.exec(error.message)?.[1];
  const where = position === undefined ? '' : ` (at character ${position})`;
  const what = error.message.startsWith('Unexpected end') ? 'ends early' : 'is not valid JSON';
  return reject('invalid_json', `The body ${what}${where}`);
}

/**
 * The slow path for flagged bodies: refuses forbidden keys (compared after JSON.parse decoded
 * any escapes, so `\u005f_proto__` is caught too) and, when escapes were present, replaces lone
 * surrogates with U+FFFD. Those are valid JSON escapes, but ClickHouse refuses them in
 * JSONEachRow (input_format_json_throw_on_bad_escape_sequence), and one such row would fail a
 * whole flushed batch. Depth is already bounded by the scan, so recursion is bounded too.
 */
function inspectTree(value: unknown, sanitize: boolean, maxDepth: number): Result<unknown> {
  let forbidden: string | undefined;

  const visit = (node: unknown, depth: number): unknown => {
    if (typeof node === 'string') return sanitize ? wellFormed(node) : node;
    if (typeof node !== 'object' || node === null || forbidden !== undefined || depth > maxDepth) return node;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) node[i] = visit(node[i], depth + 1);
      return node;
    }
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (FORBIDDEN_KEYS.has(key)) {
        forbidden = key;
        return node;
      }
      const child = visit(record[key], depth + 1);
      const cleanKey = sanitize ? wellFormed(key) : key;
      if (cleanKey !== key) {
        delete record[key];
        if (FORBIDDEN_KEYS.has(cleanKey)) forbidden = cleanKey;
      }
      record[cleanKey] = child;
    }
    return node;
  };

  const cleaned = visit(value, 0);
  if (forbidden !== undefined) {
    return reject('forbidden_key', `The key "${forbidden}" is not allowed anywhere in the body`);
  }
  return ok(cleaned);
}

function wellFormed(text: string): string {
  return SURROGATE.test(text) ? text.replace(LONE_SURROGATE, '\ufffd') : text;
}
