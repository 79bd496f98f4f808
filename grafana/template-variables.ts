// Grafana's template variable interpolation (public/app/features/templating/template_srv.ts and
// its format registry), reproduced so the shipped dashboards' SQL can be rendered exactly as
// Grafana renders it and then run on a real engine in tests. It covers what our dashboards use:
// $var, ${var}, ${var:format}, [[var]], "All", multi-value selections and the built-in
// $__interval, $__interval_ms, $__from, $__to, $__range_s and $__range_ms.

/** Grafana stores "All" as this value; it stands for every option (or the variable's allValue). */
export const ALL_VALUE = '$__all';

/** A string, the values of a multi-value selection, or ALL_VALUE. */
export type VariableValue = string | readonly string[];

export interface TemplateVariable {
  name: string;
  /** The selection, as Grafana keeps it in `current.value`. */
  current: VariableValue;
  /** Every option's value in order: what "All" expands to when allValue is unset. */
  options: readonly string[];
  /** A custom value for "All", inserted verbatim (no formatting), as Grafana does. */
  allValue?: string | null;
}

/**
 * How a data source formats a value when the query names no format. Grafana passes the raw value
 * (a string or an array of strings) and inserts what this returns.
 */
export type ValueFormatter = (value: VariableValue) => string;

/** The time context Grafana's built-in variables are computed from. */
export interface InterpolationTime {
  from: Date;
  to: Date;
  intervalMs: number;
}

// $var | [[var]] | [[var:fmt]] | ${var} | ${var.fieldPath} | ${var:fmt}, as in template_srv.ts.
const VARIABLE_PATTERN = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

const REGEX_SPECIAL = /[\\^$.|?*+()[\]{}/]/g;

/** Grafana's named formats (`${var:name}`), as its format registry implements them. */
const FORMATS: Readonly<Record<string, ValueFormatter>> = {
  raw: (value) => String(value),
  csv: (value) => (isList(value) ? value.join(',') : value),
  pipe: (value) => (isList(value) ? value.join('|') : value),
  json: (value) => JSON.stringify(value),
  glob: (value) => (isList(value) && value.length > 1 ? `{${value.join(',')}}` : String(value)),
  regex: (value) => {
    if (!isList(value)) return value.replace(REGEX_SPECIAL, '\\$&');
    const escaped = value.map((item) => item.replace(REGEX_SPECIAL, '\\$&'));
    return escaped.length === 1 ? (escaped[0] ?? '') : `(${escaped.join('|')})`;
  },
  singlequote: (value) => quoteEach(value, (item) => `'${item.replaceAll("'", "\\'")}'`),
  doublequote: (value) => quoteEach(value, (item) => `"${item.replaceAll('"', '\\"')}"`),
  sqlstring: (value) => quoteEach(value, (item) => `'${item.replaceAll("'", "''")}'`),
};

function isList(value: VariableValue): value is readonly string[] {
  return Array.isArray(value);
}

function quoteEach(value: VariableValue, quote: (item: string) => string): string {
  return isList(value) ? value.map(quote).join(',') : quote(value);
}

function isAllValue(value: VariableValue): boolean {
  return isList(value) ? value[0] === ALL_VALUE : value === ALL_VALUE;
}

/** Grafana's interval notation: the largest whole unit (1h, 5m, 30s, 100ms). */
export function formatInterval(intervalMs: number): string {
  const units: readonly [number, string][] = [
    [365 * 24 * 3_600_000, 'y'],
    [24 * 3_600_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1_000, 's'],
    [1, 'ms'],
  ];
  for (const [size, unit] of units) {
    if (intervalMs >= size) return `${Math.floor(intervalMs / size)}${unit}`;
  }
  return '1ms';
}

/** The built-in variables Grafana fills from the request, by name. */
function builtInVariables(time: InterpolationTime): Readonly<Record<string, string>> {
  const rangeMs = time.to.getTime() - time.from.getTime();
  return {
    __interval: formatInterval(time.intervalMs),
    __interval_ms: String(time.intervalMs),
    __from: String(time.from.getTime()),
    __to: String(time.to.getTime()),
    __range_ms: String(rangeMs),
    __range_s: String(Math.round(rangeMs / 1000)),
  };
}

export interface ReplaceOptions {
  time: InterpolationTime;
  /** The data source's formatter for references that name no format. */
  format: ValueFormatter;
}

/**
 * Replaces variable references the way Grafana's templateSrv.replace does. References to unknown
 * names are left as they are (macros such as $__timeFilter pass through to the data source).
 * An unknown format name throws, where Grafana would log and fall back to "glob": a typo in a
 * shipped dashboard should fail a test, not render something else.
 */
export function replaceVariables(
  text: string,
  variables: readonly TemplateVariable[],
  options: ReplaceOptions,
): string {
  const byName = new Map(variables.map((variable) => [variable.name, variable]));
  const builtIns = builtInVariables(options.time);
  return text.replace(
    VARIABLE_PATTERN,
    (match, bare?: string, bracketed?: string, bracketFormat?: string, braced?: string, ...rest) => {
      const fieldPath = rest[0] as string | undefined;
      const bracedFormat = rest[1] as string | undefined;
      const name = bare ?? bracketed ?? braced ?? '';
      const formatName = bracketFormat ?? bracedFormat;
      const formatter = formatName === undefined ? options.format : FORMATS[formatName];
      if (formatter === undefined) throw new Error(`Unknown variable format "${formatName}" in ${match}`);
      if (fieldPath !== undefined) throw new Error(`Field paths are not supported: ${match}`);
      const builtIn = builtIns[name];
      if (builtIn !== undefined) return formatter(builtIn);
      const variable = byName.get(name);
      if (variable === undefined) return match;
      if (isAllValue(variable.current)) {
        // A custom "All" value is inserted as it is, whatever the format (Grafana skips
        // formatting unless the format is text or percentencode).
        if (variable.allValue) return variable.allValue;
        return formatter(variable.options.filter((option) => option !== ALL_VALUE));
      }
      return formatter(variable.current);
    },
  );
}
