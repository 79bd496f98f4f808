// An open-loop load at an even rate, for latency at a given fraction of the maximum. autocannon's
// rate option is a per-second budget: every connection sends its share back to back when the
// second starts, then waits for the next, so a "half rate" run is a burst of the whole second's
// requests and measures queueing in that burst. Here request n is due at start + n/rate, and its
// latency counts from when it was due (a request the connections could not start on time waits,
// and that wait is latency too).
import http from 'node:http';

export interface PacedOptions {
  url: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Requests per second, spread evenly. */
  rate: number;
  durationSeconds: number;
  /** Most requests in flight at once (keep-alive sockets). */
  connections: number;
}

export interface PacedResult {
  sent: number;
  /** Requests answered 2xx. */
  ok: number;
  statuses: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** How often the pacer wakes to send what has come due (it adds up to this much latency). */
const TICK_MS = 1;
const REQUEST_TIMEOUT_MS = 10_000;

export async function drivePaced(options: PacedOptions): Promise<PacedResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  // Joined as autocannon joins them, so a path prefix in the URL is kept. http only, as the
  // stacks the bench drives serve.
  const target = new URL(`${options.url}${options.path}`);
  const body = Buffer.from(options.body);
  const headers = { ...options.headers, 'content-length': String(body.length) };
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  const send = (dueAt: number) => {
    const done = new Promise<void>((resolve) => {
      const request = http.request(target, { method: 'POST', agent, headers }, (response) => {
        response.resume();
        response.on('end', () => {
          const status = String(response.statusCode);
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status.startsWith('2')) latencies.push(performance.now() - dueAt);
        });
        response.on('close', resolve);
      });
      // As autocannon does: a request unanswered after 10 s counts as timed out, not as latency.
      request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy(new Error('timeout')));
      request.on('error', (error) => {
        const key = error.message === 'timeout' ? 'timeout' : 'error';
        statuses[key] = (statuses[key] ?? 0) + 1;
        resolve();
      });
      request.end(body);
    });
    inFlight.add(done);
    done.then(() => inFlight.delete(done));
  };

  const started = performance.now();
  const total = Math.round(options.rate * options.durationSeconds);
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * options.rate) / 1000) + 1);
    for (; sent < due; sent++) send(started + (sent * 1000) / options.rate);
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(inFlight);
  agent.destroy();

  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(percentile(latencies, q) * 10) / 10;
  return {
    sent,
    ok: latencies.length,
    statuses,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: at(1),
  };
}

/** The q-quantile of ascending `sorted` (0 when empty; q = 1 is the maximum). */
export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
}
