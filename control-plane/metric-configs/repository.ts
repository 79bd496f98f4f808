import { conflict, notFound } from '../../runtime/errors/index.ts';
import { isoTimestamp, PostgresError, type Queryable, SqlState } from '../../runtime/postgres/index.ts';
import { UniqueConstraint } from '../schema/index.ts';
import { conventionWarnings, type NormalizedMetricConfig, normalizeTrack } from './rules.ts';
import type { MetricConfig, MetricType, Track } from './schemas.ts';

interface MetricConfigRow {
  id: string;
  app_id: string;
  name: string;
  type: MetricType;
  help: string;
  label_names: string[];
  buckets: number[] | null;
  track: Partial<Track>;
  enabled: boolean;
  created_at: Date | string;
  updated_at: Date | string;
}

const COLUMNS = `m.id, m.app_id, m.name, m.type, m.help, m.label_names, m.buckets, m.track, m.enabled,
  m.created_at, m.updated_at`;
// Byte order, not the database's locale: PGlite and a server Postgres may use different
// collations, and the snippet and tests need the same order from both.
const BY_NAME = 'm.name COLLATE "C", m.app_id, m.id';

export function toMetricConfig(row: MetricConfigRow): MetricConfig {
  return {
    id: row.id,
    appId: row.app_id,
    name: row.name,
    type: row.type,
    help: row.help,
    labelNames: row.label_names,
    buckets: row.type === 'histogram' ? row.buckets : null,
    track: normalizeTrack(row.track),
    enabled: row.enabled,
    createdAt: isoTimestamp(row.created_at),
    updatedAt: isoTimestamp(row.updated_at),
    warnings: conventionWarnings(row.name, row.type),
  };
}

export async function countMetricConfigs(db: Queryable, appId: string): Promise<number> {
  const { rows } = await db.query<{ count: string }>(
    'SELECT count(*) AS count FROM metric_configs WHERE app_id = $1',
    [appId],
  );
  return Number(rows[0]?.count ?? 0);
}

export async function insertMetricConfig(
  db: Queryable,
  appId: string,
  value: NormalizedMetricConfig,
): Promise<MetricConfig> {
  const { rows } = await nameTaken(() =>
    db.query<MetricConfigRow>(
      `INSERT INTO metric_configs AS m (app_id, name, type, help, label_names, buckets, track, enabled)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       RETURNING ${COLUMNS}`,
      [appId, ...writableParams(value)],
    ),
  );
  return toMetricConfig(rows[0] as MetricConfigRow);
}

export async function replaceMetricConfig(
  db: Queryable,
  id: string,
  value: NormalizedMetricConfig,
): Promise<MetricConfig> {
  const { rows } = await nameTaken(() =>
    db.query<MetricConfigRow>(
      `UPDATE metric_configs AS m SET name = $2, type = $3, help = $4, label_names = $5, buckets = $6,
         track = $7, enabled = $8, updated_at = now()
       WHERE m.id = $1
       RETURNING ${COLUMNS}`,
      [id, ...writableParams(value)],
    ),
  );
  const row = rows[0];
  if (!row) throw notFound('metric_config_not_found', 'Metric config not found');
  return toMetricConfig(row);
}

export async function deleteMetricConfig(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM metric_configs WHERE id = $1', [id]);
}

/** The owner's configs, one app's or all of them, in name order. */
export async function listOwnedMetricConfigs(
  db: Queryable,
  ownerId: string,
  appId?: string,
): Promise<MetricConfig[]> {
  const { rows } = await db.query<MetricConfigRow>(
    `SELECT ${COLUMNS} FROM metric_configs m JOIN apps a ON a.id = m.app_id
     WHERE a.owner_id = $1 AND ($2::uuid IS NULL OR m.app_id = $2)
     ORDER BY ${BY_NAME}`,
    [ownerId, appId ?? null],
  );
  return rows.map(toMetricConfig);
}

/** The owner's config, or 404: another owner's config looks exactly like a missing one. */
export async function getOwnedMetricConfig(
  db: Queryable,
  ownerId: string,
  id: string,
  lock = false,
): Promise<MetricConfig> {
  const { rows } = await db.query<MetricConfigRow>(
    `SELECT ${COLUMNS} FROM metric_configs m JOIN apps a ON a.id = m.app_id
     WHERE m.id = $1 AND a.owner_id = $2 ${lock ? 'FOR UPDATE OF m' : ''}`,
    [id, ownerId],
  );
  const row = rows[0];
  if (!row) throw notFound('metric_config_not_found', 'Metric config not found');
  return toMetricConfig(row);
}

/**
 * An app's enabled configs in name order: what the snippet ships to browsers and what the ingest
 * edge checks metric samples against. Not owner-scoped: the caller must already have authorized
 * `appId` (an owner's session, or the app of a verified key).
 */
export async function listEnabledMetricConfigs(db: Queryable, appId: string): Promise<MetricConfig[]> {
  const { rows } = await db.query<MetricConfigRow>(
    `SELECT ${COLUMNS} FROM metric_configs m WHERE m.app_id = $1 AND m.enabled ORDER BY ${BY_NAME}`,
    [appId],
  );
  return rows.map(toMetricConfig);
}

function writableParams(value: NormalizedMetricConfig): unknown[] {
  return [
    value.name,
    value.type,
    value.help,
    value.labelNames,
    value.buckets,
    JSON.stringify(value.track),
    value.enabled,
  ];
}

/** The (app_id, name) unique constraint becomes a 409 the client can act on. */
async function nameTaken<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (
      error instanceof PostgresError &&
      error.code === SqlState.uniqueViolation &&
      error.constraint === UniqueConstraint.metricConfigName
    ) {
      throw conflict('metric_name_taken', 'This app already has a metric with this name');
    }
    throw error;
  }
}
