import { describe, expect, it } from 'vitest';
import { StatementSplitError, splitStatements } from './split-statements.ts';

describe('splitStatements', () => {
  it.each([
    ['one statement', 'SELECT 1;\n', ['SELECT 1']],
    [
      'several, over several lines',
      'CREATE TABLE t\n(\n    x UInt8\n)\nENGINE = Memory;\n\nSELECT 2;',
      ['CREATE TABLE t\n(\n    x UInt8\n)\nENGINE = Memory', 'SELECT 2'],
    ],
    [
      'whole-line comments dropped, even with ;',
      '-- why; because\nSELECT 1; \n  -- trailing; note\n',
      ['SELECT 1'],
    ],
    ['trailing comments kept', 'SELECT 1 -- the answer\n;\n', ['SELECT 1 -- the answer']],
    ['CRLF line endings', 'SELECT 1;\r\nSELECT 2;\r\n', ['SELECT 1', 'SELECT 2']],
    ['nothing but comments', '-- empty\n\n', []],
  ])('%s', (_name, sql, expected) => {
    expect(splitStatements(sql)).toEqual(expected);
  });

  it.each([
    ['a ; inside a line', "SELECT 'a;b';\n", /f\.sql:1: ';' may only end a statement/],
    ['two statements on one line', 'SELECT 1; SELECT 2;\n', /f\.sql:1:/],
    [
      'a last statement without ;',
      'SELECT 1;\nSELECT 2\n',
      /f\.sql: the last statement does not end with ';'/,
    ],
  ])('refuses %s', (_name, sql, message) => {
    expect(() => splitStatements(sql, 'f.sql')).toThrow(StatementSplitError);
    expect(() => splitStatements(sql, 'f.sql')).toThrow(message);
  });
});
