// The product started as users start it, for tests and benches: `runtime/launcher/main.ts` in a
// child process, its output collected, ready when every named server answers /ready.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
// A cold embedded start (PGlite initdb plus migrations) takes ~10 s here; leave room for load.
const READY_TIMEOUT_MS = 90_000;
const READY_POLL_MS = 100;
// SIGTERM drains within the launcher's own 8 s limit; past this the process is killed.
const STOP_TIMEOUT_MS = 15_000;

export interface LauncherProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once every URL answers /ready with 2xx; throws if the process exits first. */
  waitReady(urls: readonly string[], timeoutMs?: number): Promise<void>;
  /** SIGTERM once and wait: the exit code (null when it died by signal). */
  stop(): Promise<number | null>;
  /** Waits for the process to end by itself: its exit code. */
  exit(): Promise<number | null>;
  /** SIGKILL if still running. */
  kill(): void;
}

/** The inherited environment without service URLs or secrets: the launcher runs fully embedded. */
export function embeddedEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const { CLICKHOUSE_URL, DATABASE_URL, REDIS_URL, API_KEY_SECRET, JWT_SECRET, ...inherited } = process.env;
  return { ...inherited, ...extra };
}

export function startLauncher(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  nodeArgs: readonly string[] = [],
): LauncherProcess {
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', 'runtime/launcher/main.ts', ...args],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const running = () => child.exitCode === null && child.signalCode === null;
  const kill = () => {
    if (running()) child.kill('SIGKILL');
  };
  let stopping: Promise<number | null> | undefined;
  return {
    child,
    output: () => output,
    kill,
    exit: async () => (await exited)[0],
    waitReady: async (urls, timeoutMs = READY_TIMEOUT_MS) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (!running()) throw new Error(`the launcher exited during start:\n${output}`);
        const ready = await Promise.all(
          urls.map((url) =>
            fetch(`${url}/ready`).then(
              (response) => response.ok,
              () => false,
            ),
          ),
        );
        if (ready.every(Boolean)) return;
        if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
      }
    },
    stop: () => {
      stopping ??= (async () => {
        if (!running()) return child.exitCode;
        child.kill('SIGTERM');
        const timer = setTimeout(kill, STOP_TIMEOUT_MS);
        const [code] = await exited;
        clearTimeout(timer);
        return code;
      })();
      return stopping;
    },
  };
}
