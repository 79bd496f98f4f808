// `node --import tsx bench/query/main.ts [events] [seconds]`: runs the query benchmark and prints
// the result as JSON (progress goes to stderr). `npm run bench -- query` runs it with defaults.
import { DEFAULT_EVENTS, runQueryBench } from './index.ts';

// Ten seconds per scenario gives stable percentiles for both millisecond and second latencies.
const DEFAULT_SECONDS = 10;

const events = Number(process.argv[2] ?? DEFAULT_EVENTS);
const seconds = Number(process.argv[3] ?? DEFAULT_SECONDS);
if (!Number.isInteger(events) || events < 1_000_000 || !Number.isInteger(seconds) || seconds < 1) {
  console.error('usage: bench/query/main.ts [events >= 1000000] [seconds per scenario]');
  process.exit(2);
}
const result = await runQueryBench({
  events,
  otherAppEvents: Math.round(events / 20),
  durationSeconds: seconds,
  log: (line) => process.stderr.write(`${line}\n`),
});
console.log(JSON.stringify(result, null, 2));
