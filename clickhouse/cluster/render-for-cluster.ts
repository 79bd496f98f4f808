// Renders our single-node migrations for a sharded, replicated cluster. Each MergeTree-family
// table `t` becomes `t_local` (Replicated engine, on every node) plus `t`, a Distributed table
// over all shards, so code reads and writes the same names in both deployments. Views are
// attached to the local tables, so every shard rolls up its own rows and queries through the
// Distributed rollup tables merge the partial states.
//
// This is text rewriting, not SQL parsing: it relies on the rules our migration files follow
// (see clickhouse/migrations/index.ts) and throws on any statement shape it does not know,
// rather than emitting something subtly wrong.

export interface RenderForClusterOptions {
  /** The cluster name from the servers' remote_servers configuration. */
  cluster: string;
  /**
   * Statements of migrations applied earlier: only read, to learn which names are tables,
   * so a later view or ALTER that refers to them is rewritten to the local table.
   */
  previous?: readonly string[];
  /** Sharding key per table; a table without one gets a Distributed table for reads only. */
  shardingKeys?: Readonly<Record<string, string>>;
  /** Keeper path of each replicated table; macros are expanded by each server. */
  zooKeeperPath?: string;
  replicaName?: string;
}

export class ClusterRenderError extends Error {
  override readonly name = 'ClusterRenderError';
}

export const LOCAL_SUFFIX = '_local';
export const DEFAULT_ZOOKEEPER_PATH = '/clickhouse/tables/{shard}/{database}/{table}';
export const DEFAULT_REPLICA_NAME = '{replica}';

/**
 * Sharding keys are deterministic functions of the row: a retried batch must split across
 * shards exactly as before, or the shards could not recognise it as a duplicate.
 */
export const DEFAULT_SHARDING_KEYS: Readonly<Record<string, string>> = {
  // All events of a session on one shard keep that shard's sessions row complete (counts,
  // entry/exit); events without a session spread evenly by their own id.
  events: "cityHash64(app_id, if(session_id != '', session_id, toString(event_id)))",
  // No rollup reads it: only an even, content-derived spread matters.
  events_quarantine: 'cityHash64(app_id, payload)',
  // One series (app, name, labels) per shard keeps each metric_minutely row complete.
  metric_samples: 'cityHash64(app_id, name, toString(labels))',
  // Rollups are written by their shard's views; these keys only route a migration's backfill
  // (INSERT ... SELECT through the Distributed tables). A session's day rows go where its events
  // are, so that shard's views keep adding to the same rows.
  events_daily: 'cityHash64(app_id, day)',
  events_daily_dims: 'cityHash64(app_id, dimension, value)',
  sessions_daily: 'cityHash64(app_id, session_id)',
  // Sums and per-day figures: any deterministic spread reads back the same through Distributed.
  sessions_day_counts: 'cityHash64(app_id, day)',
  // Also routes the stats refresher's INSERT ... SELECT (clickhouse/rollups).
  sessions_day_stats: 'cityHash64(app_id, day)',
};

const IDENTIFIER = '[A-Za-z_][A-Za-z0-9_]*';
const CLUSTER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const MERGE_TREE_ENGINES = new Set([
  'MergeTree',
  'ReplacingMergeTree',
  'SummingMergeTree',
  'AggregatingMergeTree',
  'CollapsingMergeTree',
  'VersionedCollapsingMergeTree',
  'CoalescingMergeTree',
]);

const CREATE_TABLE = new RegExp(
  `^CREATE\\s+TABLE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?(${IDENTIFIER})(?=[\\s(])([\\s\\S]*)$`,
  'i',
);
const CREATE_VIEW = new RegExp(
  `^CREATE\\s+MATERIALIZED\\s+VIEW\\s+(IF\\s+NOT\\s+EXISTS\\s+)?(${IDENTIFIER})\\s+TO\\s+(${IDENTIFIER})\\s+AS\\s+([\\s\\S]*)$`,
  'i',
);
const ALTER_TABLE = new RegExp(`^ALTER\\s+TABLE\\s+(${IDENTIFIER})\\s+([\\s\\S]*)$`, 'i');
const INSERT_SELECT = new RegExp(`^INSERT\\s+INTO\\s+(${IDENTIFIER})\\s+SELECT\\b`, 'i');
const DROP = new RegExp(`^DROP\\s+(TABLE|VIEW)\\s+(IF\\s+EXISTS\\s+)?(${IDENTIFIER})(\\s+SYNC)?$`, 'i');
const ENGINE = /\bENGINE\s*=\s*([A-Za-z]+)(?:\s*\(([^()]*)\))?/i;
const COLUMN_ALTER = /^(ADD|DROP|MODIFY|RENAME|COMMENT|CLEAR)\s+COLUMN\b/i;

/** `ON CLUSTER \`name\``, after checking the name cannot break out of the identifier. */
export function onCluster(cluster: string): string {
  if (!CLUSTER_NAME.test(cluster)) {
    throw new ClusterRenderError(`cluster name ${JSON.stringify(cluster)} must be letters, digits, _ . or -`);
  }
  return `ON CLUSTER \`${cluster}\``;
}

/** The statements to run, in order, to apply `statements` to every node of the cluster. */
export function renderForCluster(statements: readonly string[], options: RenderForClusterOptions): string[] {
  const context: RenderContext = {
    cluster: options.cluster,
    onCluster: onCluster(options.cluster),
    tables: shardedTables([...(options.previous ?? []), ...statements]),
    shardingKeys: options.shardingKeys ?? DEFAULT_SHARDING_KEYS,
    zooKeeperPath: options.zooKeeperPath ?? DEFAULT_ZOOKEEPER_PATH,
    replicaName: options.replicaName ?? DEFAULT_REPLICA_NAME,
  };
  return statements.flatMap((statement) => renderStatement(statement.trim(), context));
}

interface RenderContext {
  cluster: string;
  onCluster: string;
  /** Names that are MergeTree tables on a single node, i.e. `<name>_local` + Distributed here. */
  tables: ReadonlySet<string>;
  shardingKeys: Readonly<Record<string, string>>;
  zooKeeperPath: string;
  replicaName: string;
}

function shardedTables(statements: readonly string[]): Set<string> {
  const tables = new Set<string>();
  for (const statement of statements) {
    const match = CREATE_TABLE.exec(statement.trim());
    const engine = match?.[3] === undefined ? undefined : ENGINE.exec(match[3])?.[1];
    if (match?.[2] !== undefined && engine !== undefined && MERGE_TREE_ENGINES.has(engine))
      tables.add(match[2]);
  }
  return tables;
}

function renderStatement(statement: string, context: RenderContext): string[] {
  const table = CREATE_TABLE.exec(statement);
  if (table) return renderCreateTable(table[1] ?? '', table[2] ?? '', table[3] ?? '', context);
  const view = CREATE_VIEW.exec(statement);
  if (view) {
    const [, ifNotExists = '', name = '', target = '', select = ''] = view;
    return [
      `CREATE MATERIALIZED VIEW ${ifNotExists}${name} ${context.onCluster} TO ${localName(target, context)} AS\n${renameSources(select, context)}`,
    ];
  }
  const alter = ALTER_TABLE.exec(statement);
  if (alter) return renderAlter(alter[1] ?? '', alter[2] ?? '', context);
  const drop = DROP.exec(statement);
  if (drop) {
    const [, kind = '', ifExists = '', name = '', sync = ''] = drop;
    const dropOne = (target: string) =>
      `DROP ${kind.toUpperCase()} ${ifExists}${target} ${context.onCluster}${sync}`;
    // The Distributed table goes first so nothing writes into a local table being dropped.
    return context.tables.has(name) ? [dropOne(name), dropOne(`${name}${LOCAL_SUFFIX}`)] : [dropOne(name)];
  }
  const insert = INSERT_SELECT.exec(statement);
  if (insert) {
    // A backfill: it reads every shard through the Distributed source and writes through the
    // Distributed target, which needs a sharding key to route rows; it runs once, not per node.
    const target = insert[1] ?? '';
    if (!context.tables.has(target) || context.shardingKeys[target] === undefined) {
      throw new ClusterRenderError(`${target}: a backfill target needs a sharding key for a cluster`);
    }
    return [statement];
  }
  throw new ClusterRenderError(
    `cannot render for a cluster (only CREATE TABLE, CREATE MATERIALIZED VIEW ... TO, ALTER TABLE, ` +
      `INSERT INTO ... SELECT and DROP are supported): ${statement.split('\n')[0]}`,
  );
}

function renderCreateTable(
  ifNotExists: string,
  name: string,
  rest: string,
  context: RenderContext,
): string[] {
  const engine = ENGINE.exec(rest);
  const engineName = engine?.[1];
  if (!engine || engineName === undefined || !MERGE_TREE_ENGINES.has(engineName)) {
    throw new ClusterRenderError(`${name}: only MergeTree-family tables can be rendered for a cluster`);
  }
  const args = engine[2]?.trim() ?? '';
  const replicated =
    `ENGINE = Replicated${engineName}('${context.zooKeeperPath}', '${context.replicaName}'` +
    `${args === '' ? '' : `, ${args}`})`;
  const local = `${name}${LOCAL_SUFFIX}`;
  const localRest = renameSettings(rest.replace(ENGINE, replicated));
  const key = context.shardingKeys[name];
  const distributedArgs = [
    `'${context.cluster}'`,
    'currentDatabase()',
    local,
    ...(key === undefined ? [] : [key]),
  ];
  return [
    `CREATE TABLE ${ifNotExists}${local} ${context.onCluster}${localRest}`,
    `CREATE TABLE ${ifNotExists}${name} ${context.onCluster} AS ${local}\nENGINE = Distributed(${distributedArgs.join(', ')})`,
  ];
}

function renderAlter(name: string, rest: string, context: RenderContext): string[] {
  if (!context.tables.has(name)) {
    // A view (ALTER TABLE mv MODIFY QUERY ...) or another non-sharded object keeps its name.
    return [`ALTER TABLE ${name} ${context.onCluster} ${renameSources(rest, context)}`];
  }
  const statements = [`ALTER TABLE ${name}${LOCAL_SUFFIX} ${context.onCluster} ${renameSettings(rest)}`];
  // The Distributed table mirrors the columns, so column changes apply to it too.
  if (COLUMN_ALTER.test(rest.trim())) statements.push(`ALTER TABLE ${name} ${context.onCluster} ${rest}`);
  return statements;
}

function localName(name: string, context: RenderContext): string {
  return context.tables.has(name) ? `${name}${LOCAL_SUFFIX}` : name;
}

/** Views read and write the shard's own rows: FROM/JOIN of a sharded table become its local table. */
function renameSources(select: string, context: RenderContext): string {
  return select.replace(
    new RegExp(`\\b(FROM|JOIN)(\\s+)(${IDENTIFIER})\\b(?!\\s*[.(])`, 'gi'),
    (whole, keyword: string, space: string, name: string) =>
      context.tables.has(name) ? `${keyword}${space}${name}${LOCAL_SUFFIX}` : whole,
  );
}

/** Replicated tables deduplicate through Keeper, with their own window setting. */
function renameSettings(sql: string): string {
  return sql.replace(/\bnon_replicated_deduplication_window\b/g, 'replicated_deduplication_window');
}
