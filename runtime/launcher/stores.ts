import path from 'node:path';
import { type ClickHouse, createClickHouse } from '../../clickhouse/index.ts';
import { runMigrations } from '../../clickhouse/migrations/index.ts';
import { migratePostgres } from '../../control-plane/schema/index.ts';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logger/index.ts';
import { createPostgres, type Postgres } from '../postgres/index.ts';
import { createRedis, type Redis } from '../redis/index.ts';

export interface Stores {
  clickhouse?: ClickHouse;
  postgres?: Postgres;
  redis?: Redis;
  close(): Promise<void>;
}

export interface StoreNeeds {
  clickhouse: boolean;
  postgres: boolean;
  redis: boolean;
  /** Apply ClickHouse and Postgres migrations after opening (idempotent). */
  migrate: boolean;
}

/** Open the stores a service needs; on failure, close whatever already opened and rethrow. */
export async function openStores(
  config: Readonly<Config>,
  logger: Logger,
  needs: StoreNeeds,
): Promise<Stores> {
  const opened: { clickhouse?: ClickHouse; postgres?: Postgres; redis?: Redis } = {};
  const close = async () => {
    // Close in reverse order of dependence; each close is attempted even if another fails.
    const results = await Promise.allSettled([
      opened.redis?.close(),
      opened.postgres?.close(),
      opened.clickhouse?.close(),
    ]);
    for (const result of results) {
      if (result.status === 'rejected') logger.error({ err: result.reason }, 'closing a store failed');
    }
  };
  try {
    if (needs.clickhouse) {
      opened.clickhouse = await createClickHouse({
        url: config.clickhouse.url,
        database: config.clickhouse.database,
        dataDir: config.dataDir,
        logger: logger.child({ store: 'clickhouse' }),
      });
      logger.info(
        { mode: opened.clickhouse.kind, version: await opened.clickhouse.serverVersion() },
        'clickhouse open',
      );
      if (needs.migrate) await runMigrations(opened.clickhouse, { logger });
    }
    if (needs.postgres) {
      opened.postgres = await createPostgres({
        url: config.databaseUrl,
        dataDir: path.join(config.dataDir, 'postgres'),
        logger: logger.child({ store: 'postgres' }),
      });
      logger.info({ mode: opened.postgres.kind }, 'postgres open');
      if (needs.migrate) await migratePostgres(opened.postgres, { logger });
    }
    if (needs.redis) {
      opened.redis = await createRedis({ url: config.redisUrl, logger: logger.child({ store: 'redis' }) });
      logger.info({ mode: opened.redis.kind }, 'redis open');
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { ...opened, close };
}
