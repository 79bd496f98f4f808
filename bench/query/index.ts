// Query API benchmark: a hundred million seeded events, the query API served over HTTP, and
// autocannon measuring the dashboard's questions cached and uncached, a raw metadata breakdown
// and a funnel. It owns throwaway engines and data directories and must never touch real data.
export {
  DEFAULT_EVENTS,
  type QueryBenchOptions,
  type QueryBenchResult,
  runQueryBench,
  type Scenario,
} from './run-query-bench.ts';
export { SEED_CHUNK_ROWS, type SeedPlan, seedEvents } from './seed-events.ts';
