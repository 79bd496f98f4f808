// The ingest bench: each scenario several times against the real edge, next to a bare
// uWebSockets.js ceiling measured in the same run, then a sustained run into the embedded
// engine, a latency run at half the maximum rate, an overload run, and a check that ClickHouse
// holds exactly the events that were acknowledged.

import { cpus } from 'node:os';
import autocannon from 'autocannon';
import { createClickHouse } from '../../clickhouse/index.ts';
import { silentLogger } from '../../runtime/logger/index.ts';
import { drivePaced, percentile } from './paced.ts';
import { BENCH_USER_AGENT, batchBody, segmentBatchBody, singleBody } from './payloads.ts';
import { type ProcessSample, sampleProcess } from './process-stats.ts';
import { externalStack, provisionKey, type Stack, startBare, startStack } from './stack.ts';

export interface BenchOptions {
  runs: number;
  durationSeconds: number;
  connections: number;
  sustainedSeconds: number;
  /** INGEST_PARSE_THREADS for the stack under test (undefined = the product default). */
  parseThreads?: number | undefined;
  /**
   * A running stack to drive instead of starting one (both URLs or neither). Its ClickHouse, if
   * given, is where the exactly-once check counts; without it that check is skipped. The
   * overload run needs a stack started with a low key limit, so it runs only on a started stack.
   */
  external?: { apiUrl: string; ingestUrl: string; clickhouseUrl?: string | undefined } | undefined;
}

/** Every acknowledged event stored once, or why that was not counted. */
type Correctness = { acknowledged: number; sent: number } & (
  | { stored: number; unique: number; exact: boolean }
  | { notCounted: string }
);

interface Scenario {
  name: string;
  path: string;
  body: string;
  /** How many of the request's items are valid (accepted). */
  valid: number;
  headers: Record<string, string>;
}

export interface RunResult {
  requestsPerSecond: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  acknowledgedEvents: number;
  /** Events in every request sent, answered or not (in flight when the run stopped). */
  sentEvents: number;
  cpuCores: number;
  peakRssMb: number;
  /**
   * Peak of V8 heap + external memory (Node's buffers, the spool's, PGlite's WASM heap) in the
   * stack process, read from its /metrics each second: its memory without the embedded
   * ClickHouse engine, whose allocations and mapped code are native. 0 where not measured.
   */
  peakJsMemoryMb: number;
}

export interface ScenarioResult {
  name: string;
  runs: RunResult[];
  median: RunResult;
  ceiling?: { runs: RunResult[]; median: RunResult; ratio: number };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

function medianRun(runs: RunResult[]): RunResult {
  const pick = (key: keyof RunResult) => median(runs.map((run) => run[key]));
  return {
    requestsPerSecond: pick('requestsPerSecond'),
    eventsPerSecond: pick('eventsPerSecond'),
    p50Ms: pick('p50Ms'),
    p99Ms: pick('p99Ms'),
    non2xx: pick('non2xx'),
    acknowledgedEvents: pick('acknowledgedEvents'),
    sentEvents: pick('sentEvents'),
    cpuCores: pick('cpuCores'),
    peakRssMb: pick('peakRssMb'),
    peakJsMemoryMb: pick('peakJsMemoryMb'),
  };
}

/** What every bench request sends besides its body: JSON, a browser's user agent, the key. */
function requestHeaders(scenario: Scenario): Record<string, string> {
  return { 'content-type': 'application/json', 'user-agent': BENCH_USER_AGENT, ...scenario.headers };
}

async function drive(
  url: string,
  scenario: Scenario,
  pid: number | undefined,
  options: { durationSeconds: number; connections: number; overallRate?: number },
): Promise<RunResult & { latencies2xx: number[]; statuses: Record<string, number> }> {
  const before: ProcessSample | undefined = pid ? await sampleProcess(pid) : undefined;
  const latencies2xx: number[] = [];
  const memory = sampleMemory(url);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}${scenario.path}`,
        method: 'POST',
        headers: requestHeaders(scenario),
        body: scenario.body,
        connections: options.connections,
        duration: options.durationSeconds,
        ...(options.overallRate ? { overallRate: options.overallRate } : {}),
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies2xx.push(responseTime);
    });
  });
  const after: ProcessSample | undefined = pid ? await sampleProcess(pid) : undefined;
  const peak = await memory.stop();
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stat.count ?? 0;
  const ok = result['2xx'];
  const seconds = result.duration;
  return {
    requestsPerSecond: ok / seconds,
    eventsPerSecond: (ok * scenario.valid) / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    acknowledgedEvents: ok * scenario.valid,
    sentEvents: result.requests.sent * scenario.valid,
    cpuCores: before && after ? (after.cpuSeconds - before.cpuSeconds) / seconds : 0,
    // A running stack's process is not ours to read: its RSS comes from its /metrics instead,
    // sampled each second (so a peak between samples is missed).
    peakRssMb: (after ? after.peakRssBytes : peak.residentBytes) / 1024 / 1024,
    peakJsMemoryMb: peak.jsBytes / 1024 / 1024,
    latencies2xx,
    statuses,
  };
}

const MEMORY_SAMPLE_MS = 1000;

/**
 * Samples V8 heap + external memory, and resident memory, from the server's /metrics until
 * stopped; 0 if it has none.
 */
function sampleMemory(url: string): { stop(): Promise<{ jsBytes: number; residentBytes: number }> } {
  const peak = { jsBytes: 0, residentBytes: 0 };
  let running = true;
  const sample = async () => {
    const value = await metricsOf(url);
    const bytes = value('nodejs_heap_size_total_bytes') + value('nodejs_external_memory_bytes');
    if (Number.isFinite(bytes)) peak.jsBytes = Math.max(peak.jsBytes, bytes);
    const resident = value('process_resident_memory_bytes');
    if (Number.isFinite(resident)) peak.residentBytes = Math.max(peak.residentBytes, resident);
  };
  const loop = (async () => {
    while (running) {
      // The bare ceiling server has no /metrics; a failed scrape just leaves no sample.
      await sample().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, MEMORY_SAMPLE_MS));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return peak;
    },
  };
}

async function spoolBytes(ingestUrl: string): Promise<number> {
  return (await metricsOf(ingestUrl))('ingest_spool_bytes');
}

/** One scrape of a server's /metrics: a reader of unlabelled samples (NaN when absent). */
async function metricsOf(url: string): Promise<(name: string) => number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

const MACHINE = { cores: cpus().length, node: process.version };

/** Count what the embedded engine holds for the app, after the stack has drained and exited. */
async function storedEvents(
  where: { dataDir: string } | { url: string },
  appId: string,
): Promise<{ rows: number; unique: number }> {
  const ch = await createClickHouse({
    url: 'url' in where ? where.url : undefined,
    database: 'analytics',
    dataDir: 'dataDir' in where ? where.dataDir : '',
    logger: silentLogger(),
  });
  try {
    const [row] = await ch.query<{ rows: string; unique: string }>(
      'SELECT count() AS rows, uniqExact(event_id) AS unique FROM events WHERE app_id = {app:UUID}',
      { params: { app: appId } },
    );
    return { rows: Number(row?.rows), unique: Number(row?.unique) };
  } finally {
    await ch.close();
  }
}

/** The scenarios every full run measures, in order; names are what --only matches. */
function ingestScenarios(serverKey: string): (Scenario & { ceiling: boolean })[] {
  const auth = { 'x-api-key': serverKey };
  const segmentAuth = { authorization: `Basic ${Buffer.from(`${serverKey}:`).toString('base64')}` };
  return [
    {
      name: 'single events',
      path: '/api/events/track',
      body: singleBody(),
      valid: 1,
      headers: auth,
      ceiling: true,
    },
    {
      name: 'batches of 100',
      path: '/api/events/track/batch',
      body: batchBody(100),
      valid: 100,
      headers: auth,
      ceiling: true,
    },
    {
      name: 'Segment batches of 100',
      path: '/v1/batch',
      body: segmentBatchBody(100),
      valid: 100,
      headers: segmentAuth,
      ceiling: false,
    },
    {
      name: 'batches of 100, 10% invalid',
      path: '/api/events/track/batch',
      body: batchBody(100, 10),
      valid: 90,
      headers: auth,
      ceiling: false,
    },
  ];
}

/**
 * Limits far above what one machine can send, so the runs measure throughput, not limiting: the
 * highest rate the limiter holds (a million a second). Above it the rate would be capped there
 * and the edges' leases, too large to spend, would cost a Redis round trip per request.
 */
const UNLIMITED = {
  RATE_LIMIT_KEY_PER_SECOND: '1000000',
  RATE_LIMIT_KEY_BURST: '2000000',
  RATE_LIMIT_IP_PER_SECOND: '1000000',
  RATE_LIMIT_IP_BURST: '2000000',
};

/** Long enough for the hot path to be optimised before a scenario-only run starts measuring. */
const WARMUP_SECONDS = 3;

const stackEnv = (options: BenchOptions): Record<string, string> =>
  options.parseThreads === undefined
    ? UNLIMITED
    : { ...UNLIMITED, INGEST_PARSE_THREADS: String(options.parseThreads) };

/**
 * Only the scenario named `name`, against the edge alone: no ceiling server, no
 * sustained, overload or exactly-once runs. For comparing one setting (e.g. --parse-threads)
 * in a couple of minutes on a shared machine.
 */
export async function runIngestScenario(options: BenchOptions, name: string, log: (line: string) => void) {
  const stack = await openStack(options, stackEnv(options));
  try {
    const key = await provisionKey(stack.apiUrl);
    const scenario = ingestScenarios(key.serverKey).find((candidate) => candidate.name === name);
    if (!scenario) {
      const names = ingestScenarios('').map((candidate) => `"${candidate.name}"`);
      throw new Error(`no ingest scenario "${name}"; expected one of ${names.join(', ')}`);
    }
    // A fresh stack: JIT and caches warm up unrecorded, so run 1 is comparable with the others.
    await drive(stack.ingestUrl, scenario, stack.pid, { ...options, durationSeconds: WARMUP_SECONDS });
    const runs: RunResult[] = [];
    for (let run = 0; run < options.runs; run++) {
      const measured = await drive(stack.ingestUrl, scenario, stack.pid, options);
      runs.push(strip(measured));
      log(
        `${scenario.name} (INGEST_PARSE_THREADS=${options.parseThreads ?? 'default'}) run ${run + 1}: ${Math.round(measured.eventsPerSecond)} events/s, p99 ${measured.p99Ms} ms, CPU ${measured.cpuCores.toFixed(2)} cores, statuses ${JSON.stringify(measured.statuses)}`,
      );
    }
    const median = medianRun(runs);
    log(
      `${scenario.name} (INGEST_PARSE_THREADS=${options.parseThreads ?? 'default'}) median: ${Math.round(median.eventsPerSecond)} events/s, p99 ${median.p99Ms} ms`,
    );
    return {
      machine: MACHINE,
      options,
      scenario: { name: scenario.name, runs, median },
    };
  } finally {
    await stack.stop();
  }
}

function openStack(options: BenchOptions, env: Record<string, string>): Promise<Stack> {
  const external = options.external;
  return external ? Promise.resolve(externalStack(external.apiUrl, external.ingestUrl)) : startStack(env);
}

/** Until the edge's spool is empty (everything acknowledged is in ClickHouse), or the deadline. */
async function waitForDrain(ingestUrl: string, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while ((await spoolBytes(ingestUrl)) > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

export async function runIngestBench(options: BenchOptions, log: (line: string) => void) {
  const unlimited = stackEnv(options);
  const stack = await openStack(options, unlimited);
  const bare = await startBare();
  const results: ScenarioResult[] = [];
  let acknowledged = 0;
  let sent = 0;
  let appId = '';
  try {
    const key = await provisionKey(stack.apiUrl);
    appId = key.appId;
    const scenarios = ingestScenarios(key.serverKey);
    for (const scenario of scenarios) {
      const runs: RunResult[] = [];
      const ceilingRuns: RunResult[] = [];
      for (let run = 0; run < options.runs; run++) {
        if (scenario.ceiling) {
          ceilingRuns.push(strip(await drive(bare.url, scenario, bare.pids[0], options)));
        }
        const measured = await drive(stack.ingestUrl, scenario, stack.pid, options);
        acknowledged += measured.acknowledgedEvents;
        sent += measured.sentEvents;
        runs.push(strip(measured));
        log(
          `${scenario.name} run ${run + 1}: ${Math.round(measured.eventsPerSecond)} events/s, p99 ${measured.p99Ms} ms, statuses ${JSON.stringify(measured.statuses)}`,
        );
      }
      const result: ScenarioResult = { name: scenario.name, runs, median: medianRun(runs) };
      if (scenario.ceiling) {
        const ceilingMedian = medianRun(ceilingRuns);
        result.ceiling = {
          runs: ceilingRuns,
          median: ceilingMedian,
          ratio: result.median.requestsPerSecond / ceilingMedian.requestsPerSecond,
        };
      }
      results.push(result);
    }

    const batch = scenarios[1] as Scenario;
    const maxRequests = (results[1] as ScenarioResult).median.requestsPerSecond;
    // Evenly paced (see paced.ts): autocannon's rate would send each second's requests at once.
    const halfRate = Math.max(1, Math.round(maxRequests / 2));
    const half = await drivePaced({
      url: stack.ingestUrl,
      path: batch.path,
      headers: requestHeaders(batch),
      body: batch.body,
      rate: halfRate,
      durationSeconds: options.durationSeconds,
      connections: options.connections,
    });
    acknowledged += half.ok * batch.valid;
    sent += half.sent * batch.valid;
    log(
      `batches of 100 at half the max rate, evenly paced: p50 ${half.p50Ms} ms, p99 ${half.p99Ms} ms, statuses ${JSON.stringify(half.statuses)}`,
    );

    // Sustained: the target rate (150k events/s) or the measured max if lower, for the full
    // duration, sampling the spool to see whether ClickHouse keeps up.
    const sustainedRate = Math.min(1500, Math.round(maxRequests));
    const samples: number[] = [];
    const sampler = setInterval(() => {
      spoolBytes(stack.ingestUrl).then(
        (bytes) => samples.push(bytes),
        () => {},
      );
    }, 5_000);
    const sustained = await drive(stack.ingestUrl, batch, stack.pid, {
      ...options,
      durationSeconds: options.sustainedSeconds,
      overallRate: sustainedRate,
    });
    clearInterval(sampler);
    acknowledged += sustained.acknowledgedEvents;
    sent += sustained.sentEvents;
    log(
      `sustained ${options.sustainedSeconds}s: ${Math.round(sustained.eventsPerSecond)} events/s, spool bytes ${samples.join(', ')}`,
    );

    let stopped: number | null = null;
    let stored: { rows: number; unique: number } | undefined;
    if (options.external) {
      // Not ours to stop: with its ClickHouse given, wait for its spool to drain and count there.
      const url = options.external.clickhouseUrl;
      if (url) {
        await waitForDrain(stack.ingestUrl, 600_000);
        stored = await storedEvents({ url }, appId);
      }
    } else {
      stopped = await stack.stop();
      // A backlog the shutdown did not drain is still in the spool: start again on the same data
      // and let it replay before counting, as a restarted edge would.
      const replay = await startStack({ ...unlimited, DATA_DIR: stack.dataDir as string });
      await waitForDrain(replay.ingestUrl, 600_000);
      await replay.stop();
      stored = await storedEvents({ dataDir: stack.dataDir as string }, appId);
    }
    log(
      `exit ${stopped}; acknowledged ${acknowledged}, sent ${sent}, stored ${stored?.rows ?? 'not counted'} (unique ${stored?.unique ?? 'not counted'})`,
    );

    const report = async (overload: Record<string, unknown>) => ({
      machine: MACHINE,
      options,
      scenarios: results,
      halfRate: {
        overallRate: halfRate,
        paced: true,
        p50Ms: half.p50Ms,
        p99Ms: half.p99Ms,
        maxMs: half.maxMs,
        statuses: half.statuses,
      },
      sustained: {
        seconds: options.sustainedSeconds,
        offeredRequestsPerSecond: sustainedRate,
        eventsPerSecond: sustained.eventsPerSecond,
        p99Ms: sustained.p99Ms,
        peakRssMb: sustained.peakRssMb,
        peakJsMemoryMb: sustained.peakJsMemoryMb,
        spoolBytesSamples: samples,
      },
      overload,
      // Every acknowledged event stored, none twice; requests still in flight when a run stopped
      // may be stored without an acknowledgement the load generator saw. Not counted on a
      // running stack whose ClickHouse URL was not given.
      correctness: (stored
        ? {
            acknowledged,
            sent,
            stored: stored.rows,
            unique: stored.unique,
            exact: stored.unique === stored.rows && stored.rows >= acknowledged && stored.rows <= sent,
          }
        : { acknowledged, sent, notCounted: 'no ClickHouse URL for the running stack' }) as Correctness,
    });

    // Overload: a stack whose key limit is a third of what the load generator offers.
    if (options.external) {
      log('overload: not run (it needs a stack the bench starts with a low key limit)');
      return report({ notRun: 'needs a stack the bench starts with a low key limit' });
    }
    const offered = (results[0] as ScenarioResult).median.requestsPerSecond;
    const limit = String(Math.max(1, Math.round(offered / 3)));
    const limited = await startStack({
      ...unlimited,
      RATE_LIMIT_KEY_PER_SECOND: limit,
      RATE_LIMIT_KEY_BURST: limit,
    });
    let overload: Record<string, unknown> = {};
    try {
      const limitedKey = await provisionKey(limited.apiUrl);
      const single = { ...(scenarios[0] as Scenario), headers: { 'x-api-key': limitedKey.serverKey } };
      const [run, sample] = await Promise.all([
        drive(limited.ingestUrl, single, limited.pid, options),
        probeRefusal(limited.ingestUrl, single, (options.durationSeconds * 1000) / 2),
      ]);
      const accepted = run.latencies2xx.sort((a, b) => a - b);
      overload = {
        keyLimitPerSecond: Number(limit),
        offeredRequestsPerSecond: Math.round((run.non2xx + accepted.length) / options.durationSeconds),
        acceptedPerSecond: Math.round(accepted.length / options.durationSeconds),
        acceptedP99Ms: percentile(accepted, 0.99),
        statuses: run.statuses,
        refusalStatus: sample?.status,
        refusalRetryAfter: sample?.retryAfter,
        crashed: false,
      };
      const exit = await limited.stop();
      overload.crashed = exit !== 0;
      log(`overload: ${JSON.stringify(overload)}`);
    } finally {
      await limited.stop();
    }
    return report(overload);
  } finally {
    await bare.stop();
    await stack.stop();
  }
}

/** Mid-run, look for a refused request and report its status and Retry-After header. */
async function probeRefusal(url: string, scenario: Scenario, afterMs: number) {
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  for (let attempt = 0; attempt < 200; attempt++) {
    const response = await fetch(`${url}${scenario.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...scenario.headers },
      body: scenario.body,
    });
    await response.arrayBuffer();
    if (response.status !== 202)
      return { status: response.status, retryAfter: response.headers.get('retry-after') };
  }
  return undefined;
}

function strip(run: RunResult & { latencies2xx?: number[]; statuses?: unknown }): RunResult {
  const { latencies2xx: _l, statuses: _s, ...rest } = run;
  return rest;
}

export type IngestBenchReport = Awaited<ReturnType<typeof runIngestBench>>;
export type { Stack };
