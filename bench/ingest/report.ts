import type { IngestBenchReport } from './run-ingest-bench.ts';

const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits });

/** The Markdown table written beside the JSON results. */
export function ingestMarkdown(report: IngestBenchReport, when: string): string {
  const external = report.options.external !== undefined;
  const lines = [
    `# Ingest bench, ${when}`,
    '',
    `${report.machine.cores} cores, Node ${report.machine.node}; ${report.options.runs} runs of ${report.options.durationSeconds} s per scenario, ${report.options.connections} connections; medians.`,
    '',
    '| scenario | events/s | req/s | p50 ms | p99 ms | CPU cores | peak RSS MB | peak JS MB | ceiling req/s | ratio to ceiling |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const scenario of report.scenarios) {
    const m = scenario.median;
    lines.push(
      `| ${scenario.name} | ${fmt(m.eventsPerSecond)} | ${fmt(m.requestsPerSecond)} | ${fmt(m.p50Ms, 1)} | ${fmt(m.p99Ms, 1)} | ${fmt(m.cpuCores, 2)} | ${fmt(m.peakRssMb)} | ${fmt(m.peakJsMemoryMb)} | ${
        scenario.ceiling ? fmt(scenario.ceiling.median.requestsPerSecond) : '–'
      } | ${scenario.ceiling ? `${fmt(scenario.ceiling.ratio * 100, 1)}%` : '–'} |`,
    );
  }
  lines.push(
    '',
    `- Batches of 100 at half the maximum rate (${fmt(report.halfRate.overallRate)} req/s, evenly paced, latency from each request's due time): p50 ${fmt(report.halfRate.p50Ms, 1)} ms, p99 ${fmt(report.halfRate.p99Ms, 1)} ms, max ${fmt(report.halfRate.maxMs, 1)} ms.`,
    `- Sustained ${report.sustained.seconds} s into ${external ? "the running stack's ClickHouse" : 'the embedded engine'} at ${fmt(report.sustained.offeredRequestsPerSecond)} req/s offered: ${fmt(report.sustained.eventsPerSecond)} events/s acknowledged, p99 ${fmt(report.sustained.p99Ms, 1)} ms, peak RSS ${fmt(report.sustained.peakRssMb)} MB, peak JS memory ${fmt(report.sustained.peakJsMemoryMb)} MB; spool bytes every 5 s: ${report.sustained.spoolBytesSamples.map((b) => fmt(b)).join(', ')}.`,
    external
      ? '- Peak RSS MB and peak JS MB (V8 heap + external memory) of the process behind --ingest-url, sampled each second from its /metrics. CPU cores are not sampled for a stack the bench did not start (shown as 0).'
      : "- Peak JS MB: V8 heap + external memory of the stack process (edge, control plane, query API and PGlite's WASM heap), sampled each second from its /metrics: the process without the embedded ClickHouse engine, which peak RSS includes.",
    `- Overload: ${JSON.stringify(report.overload)}.`,
    'stored' in report.correctness
      ? `- Correctness: acknowledged ${fmt(report.correctness.acknowledged)}, sent ${fmt(report.correctness.sent)}, stored ${fmt(report.correctness.stored)}, unique ${fmt(report.correctness.unique)}: ${report.correctness.exact ? 'every acknowledged event stored once, nothing duplicated' : 'MISMATCH'}.`
      : `- Correctness: acknowledged ${fmt(report.correctness.acknowledged)}, sent ${fmt(report.correctness.sent)}; stored not counted (${report.correctness.notCounted}).`,
    '',
  );
  return lines.join('\n');
}
