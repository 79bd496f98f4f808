// `npm run bench [-- <suite> [--runs N] [--duration S] [--connections C] [--sustained S]]`
// Suites: ingest (default), clickhouse-insert, query. Results go to bench/results/ as JSON and
// Markdown; the console gets one line per measurement. For ingest, `--parse-threads N` sets the
// stack's INGEST_PARSE_THREADS, and `--only "<scenario>"` runs just that scenario on the edge.
// `--api-url U --ingest-url V [--clickhouse-url W]` drives a stack that is already running
// (e.g. `docker compose up`) instead of starting the embedded one; with W the bench counts the
// stored events there, and the overload run (which needs a low key limit) is skipped.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runClickHouseInsertBench } from './clickhouse-insert/index.ts';
import { ingestMarkdown } from './ingest/report.ts';
import { runIngestBench, runIngestScenario } from './ingest/run-ingest-bench.ts';

const RESULTS = path.resolve(import.meta.dirname, 'results');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    sustained: { type: 'string', default: '60' },
    'parse-threads': { type: 'string' },
    only: { type: 'string' },
    'api-url': { type: 'string' },
    'ingest-url': { type: 'string' },
    'clickhouse-url': { type: 'string' },
  },
});
const suite = positionals[0] ?? 'ingest';
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const log = (line: string) => process.stdout.write(`${line}\n`);

async function save(name: string, json: unknown, markdown?: string): Promise<void> {
  await mkdir(RESULTS, { recursive: true });
  await writeFile(path.join(RESULTS, `${name}-${stamp}.json`), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(path.join(RESULTS, `${name}-latest.json`), `${JSON.stringify(json, null, 2)}\n`);
  if (markdown) {
    await writeFile(path.join(RESULTS, `${name}-${stamp}.md`), markdown);
    await writeFile(path.join(RESULTS, `${name}-latest.md`), markdown);
    log(markdown);
  }
}

function externalStackOption() {
  const apiUrl = values['api-url'];
  const ingestUrl = values['ingest-url'];
  if (apiUrl === undefined && ingestUrl === undefined) return undefined;
  if (apiUrl === undefined || ingestUrl === undefined) {
    process.stderr.write('--api-url and --ingest-url go together\n');
    process.exit(2);
  }
  return { apiUrl, ingestUrl, clickhouseUrl: values['clickhouse-url'] };
}

switch (suite) {
  case 'ingest': {
    const options = {
      runs: Number(values.runs),
      durationSeconds: Number(values.duration),
      connections: Number(values.connections),
      sustainedSeconds: Number(values.sustained),
      parseThreads: values['parse-threads'] === undefined ? undefined : Number(values['parse-threads']),
      external: externalStackOption(),
    };
    if (values.only !== undefined) {
      // A partial run: saved under its own name so ingest-latest stays a full run.
      const report = await runIngestScenario(options, values.only, log);
      await save(`ingest-only-threads-${options.parseThreads ?? 'default'}`, report);
      break;
    }
    const report = await runIngestBench(options, log);
    // A stack someone else runs is another setup: its results must not replace ingest-latest.
    const name = options.external ? 'ingest-external' : 'ingest';
    await save(name, report, ingestMarkdown(report, new Date().toISOString()));
    break;
  }
  case 'clickhouse-insert': {
    const report = await runClickHouseInsertBench({ runs: Number(values.runs) });
    await save('clickhouse-insert', report);
    log(JSON.stringify(report, null, 2));
    break;
  }
  case 'query': {
    const { runQueryBench } = await import('./query/index.ts');
    const report = await runQueryBench({ log });
    await save('query', report);
    log(JSON.stringify(report, null, 2));
    break;
  }
  default:
    process.stderr.write(`unknown bench suite "${suite}"; expected ingest, clickhouse-insert or query\n`);
    process.exit(2);
}
