// The metric names a PromQL expression (or a Grafana label_values() variable query) reads, so the
// Pipeline health dashboard can be checked against the names the edge registers. A small
// tokenizer, not a parser: it knows PromQL's function, aggregation and keyword names and strips
// what cannot be a metric name (strings, label matchers, ranges, grouping labels, numbers and
// Grafana variables).

// Words that are not metric names when they are not followed by "(": PromQL keywords and
// binary operators written as words.
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/** Metric names in `expr`, each once, in order of appearance. */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    // Grafana variables ($__rate_interval, ${instance}, [[var]]).
    .replace(/\$\{[^}]*\}|\$\w+|\[\[[^\]]*\]\]/g, ' ')
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+-?\w+/g, ' ')
    .replace(/(?<![\w:.])\d+(?:\.\d*)?(?:[eE][+-]?\d+)?/g, ' ');
  const names: string[] = [];
  for (const found of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = found[0];
    const after = stripped.slice(found.index + name.length).trimStart();
    const isCall = after.startsWith('(');
    if (isCall || KEYWORDS.has(name.toLowerCase()) || names.includes(name)) continue;
    names.push(name);
  }
  return names;
}

/** The metrics a Grafana Prometheus variable query reads: label_values(...), query_result(...) or a selector. */
export function metricNamesInVariableQuery(query: string): string[] {
  const labelValues = /^\s*label_values\s*\(\s*(.*?)\s*,\s*\w+\s*\)\s*$/.exec(query);
  if (labelValues) return metricNamesIn(labelValues[1] ?? '');
  const series = /^\s*query_result\s*\((.*)\)\s*$/.exec(query);
  return metricNamesIn(series?.[1] ?? query);
}
