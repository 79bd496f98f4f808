// The server ClickHouse adapter: a ClickHouse server over HTTP behind the ClickHouse interface,
// for production and `docker compose`. It must never be imported by code above the interface, and
// never sends a setting or parameter the connected server cannot take.
export {
  createServerClickHouse,
  REQUEST_TIMEOUT_MS,
  type ServerClickHouseOptions,
} from './server-clickhouse.ts';
