// `npm run bench [-- <suite> [--runs N] [--duration S] [--connections C] [--sustained S]]`
// Suites: ingest (default), clickhouse-insert, query. Results go to bench/results/ as JSON and
// Markdown; the console gets one line per measurement.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runClickHouseInsertBench } from './clickhouse-insert/index.ts';
import { ingestMarkdown } from './ingest/report.ts';
import { runIngestBench } from './ingest/run-ingest-bench.ts';

const RESULTS = path.resolve(import.meta.dirname, 'results');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    sustained: { type: 'string', default: '60' },
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

switch (suite) {
  case 'ingest': {
    const report = await runIngestBench(
      {
        runs: Number(values.runs),
        durationSeconds: Number(values.duration),
        connections: Number(values.connections),
        sustainedSeconds: Number(values.sustained),
      },
      log,
    );
    await save('ingest', report, ingestMarkdown(report, new Date().toISOString()));
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
    const report = await runQueryBench();
    await save('query', report);
    log(JSON.stringify(report, null, 2));
    break;
  }
  default:
    process.stderr.write(`unknown bench suite "${suite}"; expected ingest, clickhouse-insert or query\n`);
    process.exit(2);
}
