// The all-in-one server as users run it (`node --import tsx runtime/launcher/main.ts`), in a child
// process, fully embedded: no service URL or secret is inherited from the test's environment, so
// ClickHouse, Postgres and Redis all live in `dataDir`. Starting again on the same directory and
// ports is a restart: the secrets, keys, sessions, spool and stored events are all still there.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../../..');
// A cold start compiles the TypeScript and runs every migration (about 15 s here); a restart on a
// migrated directory takes about 5 s. Beyond this the start is broken, not slow.
const READY_TIMEOUT_MS = 45_000;
const READY_POLL_MS = 100;
// The launcher's own SIGTERM deadline is 8 s; a little more tells "timed out" from "hung".
const STOP_TIMEOUT_MS = 10_000;

export interface AllInOneOptions {
  dataDir: string;
  port: number;
  ingestPort: number;
}

export interface AllInOne {
  /** Control plane, console and query API. */
  apiUrl: string;
  /** The ingest edge (also serves /sdk/v1.js). */
  ingestUrl: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM and wait: the exit code (0 when the spool drained and everything closed). */
  stop(): Promise<number | null>;
  /** SIGKILL if still running: cleanup after a failed test. */
  kill(): void;
}

async function isReady(url: string): Promise<boolean> {
  return fetch(`${url}/ready`).then(
    (response) => response.ok,
    () => false,
  );
}

export async function startAllInOne({ dataDir, port, ingestPort }: AllInOneOptions): Promise<AllInOne> {
  const apiUrl = `http://127.0.0.1:${port}`;
  const ingestUrl = `http://127.0.0.1:${ingestPort}`;
  const { CLICKHOUSE_URL, DATABASE_URL, REDIS_URL, API_KEY_SECRET, JWT_SECRET, ...inherited } = process.env;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'runtime/launcher/main.ts'], {
    cwd: ROOT,
    env: {
      ...inherited,
      DATA_DIR: dataDir,
      PORT: String(port),
      INGEST_PORT: String(ingestPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // Events reach ClickHouse a fifth of a second after they are acknowledged, so the test
      // waits on the browser, not on the flusher.
      SPOOL_FLUSH_INTERVAL_MS: '200',
      PUBLIC_INGEST_URL: ingestUrl,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the all-in-one exited during start:\n${output}`);
    if ((await isReady(ingestUrl)) && (await isReady(apiUrl))) break;
    if (Date.now() > deadline) {
      kill();
      throw new Error(`the all-in-one was not ready within ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }

  return {
    apiUrl,
    ingestUrl,
    output: () => output,
    kill,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(kill, STOP_TIMEOUT_MS);
      const [code] = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
