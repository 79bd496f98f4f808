// Rows -> JSONEachRow text (one JSON object per line, each ending in '\n'), the format the spool
// stores and the flusher inserts as is. No insert settings are needed: timestamps are
// `YYYY-MM-DD hh:mm:ss.fff` text, which DateTime64(3) columns read with the default
// date_time_input_format on every server version.
//
// One rule matters beyond JSON validity: never emit a lone-surrogate escape (`\ud800`). It is
// valid JSON, but ClickHouse refuses it (input_format_json_throw_on_bad_escape_sequence), and one
// such row would fail a whole flushed batch. parse.ts already replaces lone surrogates; these
// functions make sure again, cheaply, so no caller can produce a poison row.
/** A lone-surrogate escape in JSON.stringify output, not preceded by an escaped backslash. */
const SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;

/** Any rows (quarantine, metric samples, events) as JSONEachRow text. */
export function serializeRows(rows: readonly object[]): string {
  let text = '';
  for (const row of rows) text += jsonLine(row);
  return text;
}

/**
 * One row as a JSONEachRow line. Plain JSON.stringify: a hand-written per-column serializer for
 * events rows measured no faster once its string pieces are joined for writing (V8 flattens the
 * rope it builds), so the simple form stays.
 */
export function jsonLine(row: object): string {
  return `${withoutSurrogateEscapes(JSON.stringify(row))}\n`;
}

function withoutSurrogateEscapes(json: string): string {
  // JSON.stringify writes \u escapes only for control characters (\u00XX) and lone surrogates.
  return json.includes('\\ud') ? json.replace(SURROGATE_ESCAPE, '$1\\ufffd') : json;
}
