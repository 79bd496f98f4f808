// `node --import tsx bench/clickhouse-insert/main.ts [runs]`: prints the result as JSON.
import { runClickHouseInsertBench } from './index.ts';

// Five runs give a stable median without making the benchmark slow to run by hand.
const DEFAULT_RUNS = 5;

const runs = Number(process.argv[2] ?? DEFAULT_RUNS);
if (!Number.isInteger(runs) || runs < 1) {
  console.error('usage: bench/clickhouse-insert/main.ts [runs]  (runs: a positive integer)');
  process.exit(2);
}
console.log(JSON.stringify(await runClickHouseInsertBench({ runs }), null, 2));
