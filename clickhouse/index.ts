// ClickHouse for the rest of the product: one interface, an embedded (chdb) and a server
// (@clickhouse/client) adapter picked at start, plus the migrations that shape the tables.
// Nothing outside this folder may import chdb or @clickhouse/client, or build SQL by pasting in values.
import path from 'node:path';
import type { Logger } from '../runtime/logger/index.ts';
import type { ClickHouse } from './types.ts';

export type {
  ClickHouse,
  InsertOptions,
  InsertRows,
  QueryOptions,
  QueryParams,
  QuerySettings,
} from './types.ts';
export { ClickHouseError } from './types.ts';

export interface ClickHouseOptions {
  /** Server URL; undefined runs the embedded engine. */
  url: string | undefined;
  database: string;
  /** The embedded engine keeps its data in `${dataDir}/clickhouse`. */
  dataDir: string;
  logger: Logger;
}

/**
 * The server adapter when a URL is configured, else the embedded engine. Each is loaded only when
 * chosen: the engine's library is about 140 MB resident once loaded (measured in an edge's
 * /proc/<pid>/smaps), which a service writing to a ClickHouse server must not carry.
 */
export async function createClickHouse(options: ClickHouseOptions): Promise<ClickHouse> {
  const { url, database, dataDir, logger } = options;
  if (url === undefined) {
    const { createEmbeddedClickHouse } = await import('./embedded/index.ts');
    return createEmbeddedClickHouse({ dataDir: path.join(dataDir, 'clickhouse'), database, logger });
  }
  const { createServerClickHouse } = await import('./server/index.ts');
  return createServerClickHouse({ url, database, logger });
}
export {
  refreshSessionDayStats,
  SESSION_STATS_INTERVAL_MS,
  startSessionStatsRefresher,
} from './rollups/session-day-stats.ts';
