// The plugin's macros and Grafana's variable interpolation, table-style. Expected strings for the
// backend macros are the ones in grafana/clickhouse-datasource's pkg/macros/macros_test.go and
// grafana-plugin-sdk-go's sqlutil/macros_test.go; $__conditionalAll's come from the plugin's
// CHDatasource.test.ts.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Grafana's ${var} syntax in plain strings is what is under test.
import { describe, expect, it } from 'vitest';
import { applyConditionalAll, clickHouseFormat, expandMacros, MacroError, renderQuery } from './macros.ts';
import { replaceVariables, type TemplateVariable } from './template-variables.ts';

// The plugin's own test range.
const PLUGIN_RANGE = {
  from: new Date('2014-11-12T11:45:26.371Z'),
  to: new Date('2015-11-12T11:45:26.371Z'),
  intervalMs: 20_000,
};
const INTERPOLATE_RANGE = {
  from: new Date('2014-11-12T11:45:26.123Z'),
  to: new Date('2015-11-12T11:45:26.456Z'),
  intervalMs: 20_000,
};

describe('backend macros', () => {
  it.each([
    ['$__fromTime', 'toDateTime(1415792726)'],
    ['$__toTime', 'toDateTime(1447328726)'],
    ['$__fromTime_ms', 'fromUnixTimestamp64Milli(1415792726371)'],
    ['$__toTime_ms', 'fromUnixTimestamp64Milli(1447328726371)'],
    ['$__dateFilter(dateCol)', "dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')"],
    [
      '$__dateTimeFilter(dateCol, timeCol)',
      "(dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')) AND (timeCol >= toDateTime(1415792726) AND timeCol <= toDateTime(1447328726))",
    ],
    [
      '$__dt(dateCol, timeCol)',
      "(dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')) AND (timeCol >= toDateTime(1415792726) AND timeCol <= toDateTime(1447328726))",
    ],
    ['$__timeInterval(col)', 'toStartOfInterval(toDateTime(col), INTERVAL 20 second)'],
    ['$__timeInterval_ms(col)', 'toStartOfInterval(toDateTime64(col, 3), INTERVAL 20000 millisecond)'],
    ['$__interval_s', '20'],
    ['$__timeFrom(ts)', "ts >= '2014-11-12T11:45:26Z'"],
    ['$__timeTo(ts)', "ts <= '2015-11-12T11:45:26Z'"],
  ])('%s', (macro, expected) => {
    expect(expandMacros(macro, PLUGIN_RANGE)).toBe(expected);
  });

  it.each([
    [
      'select * from foo where $__timeFilter(cast(sth as timestamp))',
      'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)',
    ],
    [
      'select * from foo where $__timeFilter(cast(sth as timestamp) )',
      'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)',
    ],
    [
      'select * from foo where $__timeFilter_ms(cast(sth as timestamp))',
      'select * from foo where cast(sth as timestamp) >= fromUnixTimestamp64Milli(1415792726123) AND cast(sth as timestamp) <= fromUnixTimestamp64Milli(1447328726456)',
    ],
    [
      'select * from foo where ( date >= $__fromTime and date <= $__toTime ) limit 100',
      'select * from foo where ( date >= toDateTime(1415792726) and date <= toDateTime(1447328726) ) limit 100',
    ],
    [
      'select * from foo where ( date >= $__fromTime_ms ) and ( date <= $__toTime_ms ) limit 100',
      'select * from foo where ( date >= fromUnixTimestamp64Milli(1415792726123) ) and ( date <= fromUnixTimestamp64Milli(1447328726456) ) limit 100',
    ],
  ])('interpolates %s', (sql, expected) => {
    expect(expandMacros(sql, INTERPOLATE_RANGE)).toBe(expected);
  });

  it('takes arguments only from a parenthesis right after the name', () => {
    expect(expandMacros('x < $__interval_s*(a + b)', PLUGIN_RANGE)).toBe('x < 20*(a + b)');
    expect(expandMacros('ts >= $__fromTime AND f(x)', PLUGIN_RANGE)).toBe(
      'ts >= toDateTime(1415792726) AND f(x)',
    );
  });

  it('does not take a longer macro name for a shorter one', () => {
    expect(expandMacros('$__timeFilter_ms(t)', PLUGIN_RANGE)).toContain('fromUnixTimestamp64Milli');
    expect(expandMacros('$__timeFilterEpoch(t)', PLUGIN_RANGE)).toBe('$__timeFilterEpoch(t)');
  });

  it('keeps commas inside nested parentheses in one argument', () => {
    expect(expandMacros('$__timeFilter(coalesce(a, b))', PLUGIN_RANGE)).toBe(
      'coalesce(a, b) >= toDateTime(1415792726) AND coalesce(a, b) <= toDateTime(1447328726)',
    );
  });

  it('expands $__table and $__column from the query, and the interval defaults', () => {
    const query = { ...PLUGIN_RANGE, intervalMs: 600_000, table: 'my_table', column: 'my_col' };
    expect(expandMacros('select $__column from $__table', query)).toBe('select my_col from my_table');
    expect(expandMacros('$__interval $__interval_ms', query)).toBe('10m 600000');
  });

  it('never goes below one second', () => {
    expect(expandMacros('$__interval_s', { ...PLUGIN_RANGE, intervalMs: 200 })).toBe('1');
  });

  it('refuses a wrong argument count or an unclosed parenthesis, as the plugin does', () => {
    expect(() => expandMacros('$__timeFilter(a, b)', PLUGIN_RANGE)).toThrow(MacroError);
    expect(() => expandMacros('$__timeInterval()', PLUGIN_RANGE)).not.toThrow();
    expect(() => expandMacros('where $__timeFilter(ts', PLUGIN_RANGE)).toThrow(/missing close bracket/);
  });
});

const variable = (
  name: string,
  current: TemplateVariable['current'],
  options: string[] = [],
): TemplateVariable => ({
  name,
  current,
  options,
});

describe('$__conditionalAll', () => {
  it.each([
    ["'val1', 'val2'", 'foo'],
    ['$__all', '1=1'],
    ['', '1=1'],
  ])('with the variable at %j gives %s', (value, expected) => {
    expect(applyConditionalAll('$__conditionalAll(foo, $fieldVal)', [variable('fieldVal', value)])).toBe(
      expected,
    );
  });

  it('reads ${var} and multi-value selections, and rewrites every call', () => {
    const sql = 'WHERE $__conditionalAll(a IN (${x}), ${x}) AND $__conditionalAll(b IN (${y}), $y)';
    const variables = [variable('x', ['$__all']), variable('y', ['p', 'q'])];
    expect(applyConditionalAll(sql, variables)).toBe('WHERE 1=1 AND b IN (${y})');
  });

  it('keeps the condition of an unknown variable', () => {
    expect(applyConditionalAll('$__conditionalAll(c = 1, $missing)', [])).toBe('c = 1');
  });
});

describe('template variables', () => {
  const time = {
    from: new Date('2024-03-04T00:00:00Z'),
    to: new Date('2024-03-05T00:00:00Z'),
    intervalMs: 3_600_000,
  };
  const variables = [
    variable('app', "o'hara"),
    variable('app_id', 'long-name'),
    variable('types', ['pageview', 'track']),
    variable('everything', '$__all', ['a', 'b']),
    { ...variable('instance', ['$__all'], ['x', 'y']), allValue: '.*' },
  ];
  const replace = (text: string) => replaceVariables(text, variables, { time, format: clickHouseFormat });

  it.each([
    ['$app', "o'hara"],
    ['${app}', "o'hara"],
    ['[[app]]', "o'hara"],
    ['${app:sqlstring}', "'o''hara'"],
    ['${app:singlequote}', "'o\\'hara'"],
    ['${app:doublequote}', '"o\'hara"'],
    ['$app_id', 'long-name'],
    ['$types', "'pageview','track'"],
    ['${types:csv}', 'pageview,track'],
    ['${types:pipe}', 'pageview|track'],
    ['${types:sqlstring}', "'pageview','track'"],
    ['${types:raw}', 'pageview,track'],
    ['${everything}', "'a','b'"],
    ['${everything:csv}', 'a,b'],
    ['${instance:regex}', '.*'],
    ['$__interval', '1h'],
    ['$__interval_ms', '3600000'],
    ['$__from', '1709510400000'],
    ['$__range_s', '86400'],
    ['$__timeFilter(ts) $nope', '$__timeFilter(ts) $nope'],
  ])('%s -> %s', (text, expected) => {
    expect(replace(text)).toBe(expected);
  });

  it('refuses a format Grafana does not have', () => {
    expect(() => replace('${app:sqlstrng}')).toThrow(/Unknown variable format/);
  });
});

describe('renderQuery', () => {
  it('applies $__conditionalAll, then variables, then the backend macros', () => {
    const sql =
      'SELECT 1 FROM t WHERE $__conditionalAll(k IN (${k}), $k) AND app = ${app:sqlstring} AND $__timeFilter(ts)';
    const rendered = renderQuery(sql, [variable('k', ['a']), variable('app', 'x')], PLUGIN_RANGE);
    expect(rendered).toBe(
      "SELECT 1 FROM t WHERE k IN ('a') AND app = 'x' AND ts >= toDateTime(1415792726) AND ts <= toDateTime(1447328726)",
    );
  });
});
