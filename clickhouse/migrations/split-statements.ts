// Splits a migration file into statements without an SQL parser, which is safe only because
// our migration SQL follows two rules (see index.ts): a statement ends with ';' as the last
// character of a line, and ';' appears nowhere else in code. A broken rule is an error, never
// a silently mis-split statement.

export class StatementSplitError extends Error {
  override readonly name = 'StatementSplitError';
}

/** The file's statements in order, without their ';' and without comment-only lines. */
export function splitStatements(sql: string, file = '<sql>'): string[] {
  const statements: string[] = [];
  let current: string[] = [];
  const lines = sql.replace(/\r\n?/g, '\n').split('\n');
  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.trimEnd();
    const trimmed = line.trimStart();
    // Whole-line comments are free text (they may mention ';'); they are not sent.
    if (trimmed === '' || trimmed.startsWith('--')) continue;
    const semicolon = line.indexOf(';');
    if (semicolon === -1) {
      current.push(line);
      continue;
    }
    if (semicolon !== line.length - 1) {
      throw new StatementSplitError(
        `${file}:${index + 1}: ';' may only end a statement, as the last character of a line`,
      );
    }
    current.push(line.slice(0, -1).trimEnd());
    const statement = current.join('\n').trim();
    if (statement !== '') statements.push(statement);
    current = [];
  }
  if (current.length > 0) {
    throw new StatementSplitError(`${file}: the last statement does not end with ';'`);
  }
  return statements;
}
