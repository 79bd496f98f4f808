// The macros of Grafana's ClickHouse data source (grafana-clickhouse-datasource), reproduced so
// the shipped dashboards' SQL can be rendered exactly as the plugin renders it and run on a real
// engine in tests. Sources followed (github.com/grafana/clickhouse-datasource unless named):
//   - src/data/CHDatasource.ts, applyTemplateVariables: in the browser, $__conditionalAll first
//     (applyConditionalAll + getMacroArgs), then Grafana's template variables with the plugin's
//     formatter (multi-value -> 'a','b', anything else verbatim).
//   - pkg/macros/macros.go: the ClickHouse macros the backend expands afterwards.
//   - grafana-plugin-sdk-go data/sqlutil/macros.go (through grafana/sqlds): how the backend finds
//     macros (\$__name\b; arguments only when "(" follows the name directly; commas split only at
//     the top level) and its defaults the plugin keeps ($__table, $__column, $__timeFrom,
//     $__timeTo, $__timeGroup, $__interval, $__interval_ms).
// Times are rendered in UTC, as the plugin's backend does in Grafana's images (TZ unset).
import {
  formatInterval,
  replaceVariables,
  type TemplateVariable,
  type ValueFormatter,
  type VariableValue,
} from './template-variables.ts';

export interface QueryTime {
  from: Date;
  to: Date;
  /** The panel's interval ($__interval), after its minimum interval is applied. */
  intervalMs: number;
}

export interface BackendQuery extends QueryTime {
  /** sqlutil.Query's table and column ($__table, $__column); the plugin leaves them empty. */
  table?: string;
  column?: string;
}

/** A macro the plugin would refuse (wrong argument count, unclosed parenthesis). */
export class MacroError extends Error {
  override readonly name = 'MacroError';
}

type Macro = (query: BackendQuery, args: readonly string[]) => string;

/** toDate('2006-01-02') as macros.go timeToDate. */
function toDate(time: Date): string {
  return `toDate('${time.toISOString().slice(0, 10)}')`;
}

/** toDateTime(<unix seconds>) as macros.go timeToDateTime (Go's Unix() floors). */
function toDateTime(time: Date): string {
  return `toDateTime(${Math.floor(time.getTime() / 1000)})`;
}

/** fromUnixTimestamp64Milli(<unix ms>) as macros.go timeToDateTime64. */
function toDateTime64(time: Date): string {
  return `fromUnixTimestamp64Milli(${time.getTime()})`;
}

/** RFC 3339 in UTC without fractions, as Go's time.RFC3339 prints a UTC time. */
function rfc3339(time: Date): string {
  return `${time.toISOString().slice(0, 19)}Z`;
}

function expectArgs(name: string, args: readonly string[], count: number): void {
  if (args.length !== count) {
    const noun = count === 1 ? 'argument' : 'arguments';
    throw new MacroError(
      `$__${name}: unexpected number of arguments: expected ${count} ${noun}, received ${args.length}`,
    );
  }
}

/** [from, to] with one argument as the column, as TimeFilter/DateFilter in macros.go. */
function rangeFilter(name: string, render: (time: Date) => string): Macro {
  return (query, args) => {
    expectArgs(name, args, 1);
    const column = args[0];
    return `${column} >= ${render(query.from)} AND ${column} <= ${render(query.to)}`;
  };
}

/** Seconds of the interval, at least 1 (math.Max(Interval.Seconds(), 1), truncated by int()). */
function intervalSeconds(query: BackendQuery): number {
  return Math.trunc(Math.max(query.intervalMs / 1000, 1));
}

function timeGroup(_query: BackendQuery, args: readonly string[]): string {
  // sqlutil's default, which the ClickHouse plugin does not override: SQL Server's datepart(),
  // which ClickHouse rejects. Kept so a dashboard that uses it fails here as it fails in Grafana.
  if (args.length !== 2) {
    throw new MacroError(
      `$__timeGroup: unexpected number of arguments: expected 1 argument, received ${args.length}`,
    );
  }
  const [column, period] = args;
  const parts = ['minute', 'hour', 'day', 'month', 'year'];
  const start = parts.indexOf(period ?? '');
  if (start === -1) return '';
  return parts
    .slice(start)
    .map((part) => `datepart(${part}, ${column})`)
    .join(',');
}

/** Every macro the plugin's backend expands, by name (without the $__ prefix). */
const MACROS: Readonly<Record<string, Macro>> = {
  // pkg/macros/macros.go
  fromTime: (query) => toDateTime(query.from),
  toTime: (query) => toDateTime(query.to),
  fromTime_ms: (query) => toDateTime64(query.from),
  toTime_ms: (query) => toDateTime64(query.to),
  timeFilter: rangeFilter('timeFilter', toDateTime),
  timeFilter_ms: rangeFilter('timeFilter_ms', toDateTime64),
  dateFilter: rangeFilter('dateFilter', toDate),
  dateTimeFilter: dateTimeFilter('dateTimeFilter'),
  dt: dateTimeFilter('dt'),
  timeInterval: (query, args) => {
    expectArgs('timeInterval', args, 1);
    return `toStartOfInterval(toDateTime(${args[0]}), INTERVAL ${intervalSeconds(query)} second)`;
  },
  timeInterval_ms: (query, args) => {
    expectArgs('timeInterval_ms', args, 1);
    const milliseconds = Math.trunc(Math.max(query.intervalMs, 1));
    return `toStartOfInterval(toDateTime64(${args[0]}, 3), INTERVAL ${milliseconds} millisecond)`;
  },
  interval_s: (query) => String(intervalSeconds(query)),
  // sqlutil defaults the plugin does not override
  timeFrom: (query, args) => {
    expectArgs('timeFrom', args, 1);
    return `${args[0]} >= '${rfc3339(query.from)}'`;
  },
  timeTo: (query, args) => {
    expectArgs('timeTo', args, 1);
    return `${args[0]} <= '${rfc3339(query.to)}'`;
  },
  timeGroup,
  table: (query) => query.table ?? '',
  column: (query) => query.column ?? '',
  // gtime.FormatInterval prints the largest whole unit, as Grafana's frontend does.
  interval: (query) => formatInterval(query.intervalMs),
  interval_ms: (query) => String(Math.trunc(query.intervalMs)),
};

function dateTimeFilter(name: string): Macro {
  return (query, args) => {
    expectArgs(name, args, 2);
    const [dateColumn, timeColumn] = args;
    const dates = `(${dateColumn} >= ${toDate(query.from)} AND ${dateColumn} <= ${toDate(query.to)})`;
    const times = `(${timeColumn} >= ${toDateTime(query.from)} AND ${timeColumn} <= ${toDateTime(query.to)})`;
    return `${dates} AND ${times}`;
  };
}

/**
 * The argument list at the start of `text` (sqlutil parseArgs): none unless `text` starts with
 * "(", split on top-level commas and trimmed. Returns the arguments and how many characters the
 * list took; throws when the parenthesis is never closed.
 */
function parseArgs(text: string, macro: string): { args: string[]; length: number } {
  if (!text.startsWith('(')) return { args: [], length: 0 };
  const args: string[] = [];
  let depth = 0;
  let current = '';
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '(') {
      depth += 1;
      if (depth === 1) continue;
    } else if (char === ')') {
      depth -= 1;
      if (depth === 0) {
        args.push(current.trim());
        return { args, length: index + 1 };
      }
    } else if (char === ',' && depth === 1) {
      args.push(current.trim());
      current = '';
      continue;
    }
    current += char;
  }
  throw new MacroError(`$__${macro}: failed to parse macro arguments (missing close bracket?)`);
}

// Go iterates the macro map in random order, and each match is replaced everywhere it occurs as
// text, so "$__fromTime" can also hit the front of "$__fromTime_ms" in the plugin when both are in
// one query. Longest names first is the order that always gives the intended result (macropro,
// the plugin's newer engine, sorts the same way).
const MACRO_ORDER = Object.keys(MACROS).sort((a, b) => b.length - a.length || a.localeCompare(b));

/**
 * The backend's macro pass (sqlutil.Interpolate with the plugin's macros). Each macro's matches
 * are found first, then every occurrence of each match is replaced, macro by macro.
 */
export function expandMacros(sql: string, query: BackendQuery): string {
  let rendered = sql;
  for (const name of MACRO_ORDER) {
    const macro = MACROS[name];
    if (macro === undefined) continue;
    const pattern = new RegExp(`\\$__${name}\\b`, 'g');
    const matches: { text: string; args: string[] }[] = [];
    for (const found of rendered.matchAll(pattern)) {
      const end = found.index + found[0].length;
      const { args, length } = parseArgs(rendered.slice(end), name);
      matches.push({ text: rendered.slice(found.index, end + length), args });
    }
    for (const match of matches) {
      const replacement = macro(query, match.args);
      // Go's strings.Replace is literal: a function keeps "$&" and friends from being patterns.
      rendered = rendered.replaceAll(match.text, () => replacement);
    }
  }
  return rendered;
}

/**
 * getMacroArgs in CHDatasource.ts: the arguments of the call whose "(" is at `open`, split on
 * commas directly inside it (quotes are not understood), or [] when the call is never closed.
 */
function macroArgs(sql: string, open: number): string[] {
  const args: string[] = [];
  const tail = sql.slice(open);
  const pattern = /\(|\)|,/g;
  let depth = 0;
  let lastArgEnd = 1;
  for (let found = pattern.exec(tail); found !== null; found = pattern.exec(tail)) {
    if (found[0] === '(') depth += 1;
    else if (found[0] === ')') depth -= 1;
    if (found[0] === ',' && depth === 1) {
      args.push(tail.slice(lastArgEnd, pattern.lastIndex - 1));
      lastArgEnd = pattern.lastIndex;
    }
    if (depth === 0) {
      args.push(tail.slice(lastArgEnd, pattern.lastIndex - 1));
      return args;
    }
  }
  return [];
}

const CONDITIONAL_ALL = '$__conditionalAll(';
// The variable named by the second argument: ${name} or $name (CHDatasource.ts's varRegex).
const CONDITIONAL_VARIABLE = /(?<=\$\{)[\w\d]+(?=\})|(?<=\$)[\w\d]+/;

function selectionText(value: VariableValue): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/**
 * $__conditionalAll(condition, $variable): the condition, or 1=1 when the variable is set to
 * "All" or is empty. Calls are rewritten from the last to the first; a call without exactly two
 * arguments stops the rewriting and leaves the rest as it is, as the plugin does.
 */
export function applyConditionalAll(sql: string, variables: readonly TemplateVariable[]): string {
  let rendered = sql;
  let index = rendered.lastIndexOf(CONDITIONAL_ALL);
  while (index !== -1) {
    const params = macroArgs(rendered, index + CONDITIONAL_ALL.length - 1);
    const [condition, variableParam] = params;
    if (params.length !== 2 || condition === undefined || variableParam === undefined) return rendered;
    const name = CONDITIONAL_VARIABLE.exec(variableParam.trim())?.[0];
    let phrase = condition;
    if (name !== undefined) {
      const variable = variables.find((candidate) => candidate.name === name);
      const value = variable === undefined ? undefined : selectionText(variable.current);
      if (value === '' || value === '$__all') phrase = '1=1';
    }
    // String.replace with a string pattern, as the plugin does: the first equal call is replaced.
    rendered = rendered.replace(`${CONDITIONAL_ALL}${condition},${variableParam})`, phrase);
    index = rendered.lastIndexOf(CONDITIONAL_ALL);
  }
  return rendered;
}

/** The plugin's formatter for references without a format: multi-value -> 'a','b', else as is. */
export const clickHouseFormat: ValueFormatter = (value) =>
  Array.isArray(value) ? `'${value.join("','")}'` : String(value);

/**
 * A panel's rawSql as the ClickHouse server receives it from Grafana: $__conditionalAll, then
 * template variables (browser), then the backend macros.
 */
export function renderQuery(
  rawSql: string,
  variables: readonly TemplateVariable[],
  query: BackendQuery,
): string {
  const conditioned = applyConditionalAll(rawSql, variables);
  const interpolated = replaceVariables(conditioned, variables, { time: query, format: clickHouseFormat });
  return expandMacros(interpolated, query);
}
