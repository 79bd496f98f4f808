// The audit log: who did what to which key or app, when and from where. Written in the same
// transaction as the change it records, so a change without its audit row cannot exist.
import type { Queryable } from '../../runtime/postgres/index.ts';

export interface AuditEntry {
  actorId: string | null;
  action: string;
  targetType: 'api_key' | 'app' | 'user' | 'metric_config';
  targetId: string;
  appId: string | null;
  ip: string;
  details?: Readonly<Record<string, unknown>>;
}

export async function recordAudit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (actor_id, action, target_type, target_id, app_id, ip, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      entry.actorId,
      entry.action,
      entry.targetType,
      entry.targetId,
      entry.appId,
      entry.ip,
      JSON.stringify(entry.details ?? {}),
    ],
  );
}
