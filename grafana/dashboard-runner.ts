// Runs a shipped dashboard's ClickHouse queries the way Grafana would: variables are resolved in
// order by running their own queries (or reading their custom/textbox values), then each panel's
// rawSql is rendered by the plugin's macros (macros.ts) and executed on a real engine. For the
// dashboard tests only: product code must never import this file.
import { readFile } from 'node:fs/promises';
import type { ClickHouse } from '../clickhouse/index.ts';
import { renderQuery } from './macros.ts';
import { ALL_VALUE, type TemplateVariable, type VariableValue } from './template-variables.ts';

/** The data sources grafana/provisioning/datasources defines; dashboards refer to them by uid. */
export const CLICKHOUSE_DATASOURCE = { type: 'grafana-clickhouse-datasource', uid: 'clickstream-clickhouse' };
export const PROMETHEUS_DATASOURCE = { type: 'prometheus', uid: 'clickstream-prometheus' };

export interface DatasourceRef {
  type: string;
  uid: string;
}

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface DashboardTarget {
  refId: string;
  datasource?: DatasourceRef;
  /** ClickHouse: the SQL, the frame format (0 time series, 1 table) and the editor mode. */
  rawSql?: string;
  format?: number;
  queryType?: string;
  editorType?: string;
  /** Prometheus */
  expr?: string;
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  gridPos: GridPos;
  datasource?: DatasourceRef;
  /** The panel's minimum interval, e.g. "1h". */
  interval?: string;
  targets?: DashboardTarget[];
  /** A collapsed row keeps its panels here. */
  panels?: DashboardPanel[];
}

export interface DashboardVariable {
  name: string;
  type: string;
  datasource?: DatasourceRef;
  /** SQL (ClickHouse query variables), PromQL, comma-separated values (custom) or the default text. */
  query?: string | { rawSql?: string; query?: string };
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string | null;
  current?: { value?: VariableValue; text?: VariableValue };
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  /** "utc" for ours: the daily rollups' days are UTC days. */
  timezone?: string;
  panels: DashboardPanel[];
  templating: { list: DashboardVariable[] };
}

export async function loadDashboard(file: string): Promise<Dashboard> {
  return JSON.parse(await readFile(file, 'utf8')) as Dashboard;
}

/** Every panel, including those inside collapsed rows. */
export function allPanels(dashboard: Dashboard): DashboardPanel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

export function targetDatasource(panel: DashboardPanel, target: DashboardTarget): DatasourceRef | undefined {
  return target.datasource ?? panel.datasource;
}

/** The panels with at least one ClickHouse query. */
export function clickHousePanels(dashboard: Dashboard): DashboardPanel[] {
  return allPanels(dashboard).filter((panel) =>
    (panel.targets ?? []).some(
      (target) => targetDatasource(panel, target)?.uid === CLICKHOUSE_DATASOURCE.uid,
    ),
  );
}

export function variableQueryText(variable: DashboardVariable): string {
  const { query } = variable;
  if (typeof query === 'string') return query;
  return query?.rawSql ?? query?.query ?? '';
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** Grafana's interval notation ("30s", "5m", "1h") in milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d|w)$/.exec(text.trim());
  const unit = match?.[2] === undefined ? undefined : DURATION_UNITS[match[2]];
  if (match === null || unit === undefined) throw new Error(`Not a Grafana interval: "${text}"`);
  return Number(match[1]) * unit;
}

export interface DashboardTime {
  from: Date;
  to: Date;
  /** What Grafana would compute from the range and the panel width, before min intervals. */
  intervalMs: number;
}

export interface RunOptions {
  ch: ClickHouse;
  time: DashboardTime;
  /** Selections that replace the dashboard's saved ones, as a user picking values would. */
  selections?: Readonly<Record<string, VariableValue>>;
}

export interface ResolvedVariable extends TemplateVariable {
  /** The SQL that listed the options, for query variables. */
  sql?: string;
}

function customOptions(query: string): string[] {
  // "text : value" pairs or bare values, comma separated.
  return query
    .split(',')
    .map((item) => item.split(' : ').at(-1)?.trim() ?? '')
    .filter((item) => item !== '');
}

function savedSelection(variable: DashboardVariable, options: readonly string[]): VariableValue | undefined {
  const saved = variable.current?.value;
  if (saved === undefined) return undefined;
  const values = Array.isArray(saved) ? saved : [saved];
  if (values[0] === ALL_VALUE) return variable.includeAll ? saved : undefined;
  return values.every((value) => options.includes(value)) ? saved : undefined;
}

/**
 * The variables' options and selections, in declaration order (a variable may use the ones
 * before it). A selection is the caller's, else the saved one if still valid, else the first
 * option, as Grafana picks on load.
 */
export async function resolveVariables(
  dashboard: Dashboard,
  options: RunOptions,
): Promise<ResolvedVariable[]> {
  const resolved: ResolvedVariable[] = [];
  for (const variable of dashboard.templating.list) {
    const text = variableQueryText(variable);
    let choices: string[];
    let sql: string | undefined;
    if (variable.type === 'query' && variable.datasource?.uid === CLICKHOUSE_DATASOURCE.uid) {
      sql = renderQuery(text, resolved, options.time);
      const rows = await options.ch.query(sql);
      // The plugin's metricFindQuery: one column is text and value; with more, the first is the value.
      choices = rows.map((row) => String(Object.values(row)[0] ?? ''));
    } else if (variable.type === 'custom') {
      choices = customOptions(text);
    } else if (variable.type === 'textbox' || variable.type === 'constant') {
      choices = [text];
    } else {
      throw new Error(`Variable ${variable.name}: type ${variable.type} is not supported by the runner`);
    }
    const first = choices[0] ?? '';
    const current =
      options.selections?.[variable.name] ??
      savedSelection(variable, choices) ??
      (variable.multi ? [first] : first);
    resolved.push({
      name: variable.name,
      current,
      options: choices,
      allValue: variable.allValue ?? null,
      sql,
    });
  }
  return resolved;
}

export interface PanelResult {
  title: string;
  refId: string;
  sql: string;
  rows: Record<string, unknown>[];
}

/** Renders and runs one panel's ClickHouse queries. */
export async function runPanel(
  panel: DashboardPanel,
  variables: readonly TemplateVariable[],
  options: RunOptions,
): Promise<PanelResult[]> {
  const minimum = panel.interval === undefined ? 0 : parseDuration(panel.interval);
  const time = { ...options.time, intervalMs: Math.max(options.time.intervalMs, minimum) };
  const results: PanelResult[] = [];
  for (const target of panel.targets ?? []) {
    if (targetDatasource(panel, target)?.uid !== CLICKHOUSE_DATASOURCE.uid) continue;
    const sql = renderQuery(target.rawSql ?? '', variables, time);
    const leftover = /\$(?:\{|\w)/.exec(sql);
    if (leftover !== null) {
      throw new Error(
        `Panel "${panel.title}" (${target.refId}) left "${sql.slice(leftover.index, leftover.index + 30)}" unresolved`,
      );
    }
    results.push({ title: panel.title, refId: target.refId, sql, rows: await options.ch.query(sql) });
  }
  return results;
}

/** Every ClickHouse panel's rows by panel title (one query per panel, as ours have). */
export async function runDashboard(
  dashboard: Dashboard,
  options: RunOptions,
): Promise<{ variables: ResolvedVariable[]; panels: Map<string, Record<string, unknown>[]> }> {
  const variables = await resolveVariables(dashboard, options);
  const panels = new Map<string, Record<string, unknown>[]>();
  for (const panel of clickHousePanels(dashboard)) {
    for (const result of await runPanel(panel, variables, options)) {
      if (panels.has(panel.title)) throw new Error(`Two ClickHouse queries answer "${panel.title}"`);
      panels.set(panel.title, result.rows);
    }
  }
  return { variables, panels };
}
