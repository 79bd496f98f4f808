// The embedded ClickHouse adapter: the in-process engine (chdb) behind the ClickHouse interface,
// for single-process runs and tests. It owns its data directory for the life of the process and
// must never be imported by code above the interface (that code takes a ClickHouse).
export { createEmbeddedClickHouse, type EmbeddedClickHouseOptions } from './embedded-clickhouse.ts';
