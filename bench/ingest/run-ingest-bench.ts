// The ingest bench: each scenario several times against the real edge, next to a bare
// uWebSockets.js ceiling measured in the same run, then a sustained run into the embedded
// engine, a latency run at half the maximum rate, an overload run, and a check that ClickHouse
// holds exactly the events that were acknowledged.

import autocannon from 'autocannon';
import { createClickHouse } from '../../clickhouse/index.ts';
import { silentLogger } from '../../runtime/logger/index.ts';
import { BENCH_USER_AGENT, batchBody, segmentBatchBody, singleBody } from './payloads.ts';
import { type ProcessSample, sampleProcess } from './process-stats.ts';
import { provisionKey, type Stack, startBare, startStack } from './stack.ts';

export interface BenchOptions {
  runs: number;
  durationSeconds: number;
  connections: number;
  sustainedSeconds: number;
}

interface Scenario {
  name: string;
  path: string;
  body: string;
  /** Items per request, and how many of them are valid (accepted). */
  items: number;
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
  };
}

async function drive(
  url: string,
  scenario: Scenario,
  pid: number | undefined,
  options: { durationSeconds: number; connections: number; overallRate?: number },
): Promise<RunResult & { latencies2xx: number[]; statuses: Record<string, number> }> {
  const before: ProcessSample | undefined = pid ? await sampleProcess(pid) : undefined;
  const latencies2xx: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}${scenario.path}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': BENCH_USER_AGENT, ...scenario.headers },
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
    peakRssMb: after ? after.peakRssBytes / 1024 / 1024 : 0,
    latencies2xx,
    statuses,
  };
}

async function spoolBytes(ingestUrl: string): Promise<number> {
  const text = await (await fetch(`${ingestUrl}/metrics`)).text();
  return Number(/^ingest_spool_bytes (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
}

/** Count what the embedded engine holds for the app, after the stack has drained and exited. */
async function storedEvents(dataDir: string, appId: string): Promise<{ rows: number; unique: number }> {
  const ch = await createClickHouse({
    url: undefined,
    database: 'analytics',
    dataDir,
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

export async function runIngestBench(options: BenchOptions, log: (line: string) => void) {
  // Limits far above what one machine can send: this run measures throughput, not limiting.
  const unlimited = {
    RATE_LIMIT_KEY_PER_SECOND: '100000000',
    RATE_LIMIT_KEY_BURST: '100000000',
    RATE_LIMIT_IP_PER_SECOND: '100000000',
    RATE_LIMIT_IP_BURST: '100000000',
  };
  const stack = await startStack(unlimited);
  const bare = await startBare();
  const results: ScenarioResult[] = [];
  let acknowledged = 0;
  let sent = 0;
  let appId = '';
  try {
    const key = await provisionKey(stack.apiUrl);
    appId = key.appId;
    const auth = { 'x-api-key': key.serverKey };
    const segmentAuth = { authorization: `Basic ${Buffer.from(`${key.serverKey}:`).toString('base64')}` };
    const scenarios: (Scenario & { ceiling: boolean })[] = [
      {
        name: 'single events',
        path: '/api/events/track',
        body: singleBody(),
        items: 1,
        valid: 1,
        headers: auth,
        ceiling: true,
      },
      {
        name: 'batches of 100',
        path: '/api/events/track/batch',
        body: batchBody(100),
        items: 100,
        valid: 100,
        headers: auth,
        ceiling: true,
      },
      {
        name: 'Segment batches of 100',
        path: '/v1/batch',
        body: segmentBatchBody(100),
        items: 100,
        valid: 100,
        headers: segmentAuth,
        ceiling: false,
      },
      {
        name: 'batches of 100, 10% invalid',
        path: '/api/events/track/batch',
        body: batchBody(100, 10),
        items: 100,
        valid: 90,
        headers: auth,
        ceiling: false,
      },
    ];
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
    const half = await drive(stack.ingestUrl, batch, stack.pid, {
      ...options,
      overallRate: Math.max(1, Math.round(maxRequests / 2)),
    });
    acknowledged += half.acknowledgedEvents;
    sent += half.sentEvents;
    log(`batches of 100 at half the max rate: p99 ${half.p99Ms} ms`);

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

    const stopped = await stack.stop();
    // A backlog the shutdown did not drain is still in the spool: start again on the same data
    // and let it replay before counting, as a restarted edge would.
    const replay = await startStack({ ...unlimited, DATA_DIR: stack.dataDir as string });
    const replayDeadline = Date.now() + 600_000;
    while ((await spoolBytes(replay.ingestUrl)) > 0 && Date.now() < replayDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    await replay.stop();
    const stored = await storedEvents(stack.dataDir as string, appId);
    log(
      `exit ${stopped}; acknowledged ${acknowledged}, sent ${sent}, stored ${stored.rows} (unique ${stored.unique})`,
    );

    // Overload: a stack whose key limit is a third of what the load generator offers.
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
        acceptedP99Ms: accepted[Math.floor(accepted.length * 0.99)] ?? 0,
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

    return {
      machine: { cores: (await import('node:os')).cpus().length, node: process.version },
      options,
      scenarios: results,
      halfRate: { overallRate: Math.round(maxRequests / 2), p50Ms: half.p50Ms, p99Ms: half.p99Ms },
      sustained: {
        seconds: options.sustainedSeconds,
        offeredRequestsPerSecond: sustainedRate,
        eventsPerSecond: sustained.eventsPerSecond,
        p99Ms: sustained.p99Ms,
        spoolBytesSamples: samples,
      },
      overload,
      // Every acknowledged event stored, none twice; requests still in flight when a run stopped
      // may be stored without an acknowledgement the load generator saw.
      correctness: {
        acknowledged,
        sent,
        stored: stored.rows,
        unique: stored.unique,
        exact: stored.unique === stored.rows && stored.rows >= acknowledged && stored.rows <= sent,
      },
    };
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
