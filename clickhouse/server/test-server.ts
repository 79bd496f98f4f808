// Starts a throwaway clickhouse-server (Debian's 18.16 package, or any build given by
// CLICKHOUSE_SERVER_BIN) for integration and outage tests: its own temp directory, free ports,
// a passwordless default user, logs to a file. Never touches a system service or /var/lib.
// 18.16 runs as root without complaint, so no user switching is needed.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';

import path from 'node:path';
import { freePort, tempDir } from '../../runtime/testing/services.ts';

/** 18.16 answers /ping within about a second; slow CI machines get a wide margin. */
const START_TIMEOUT_MS = 20_000;
/** How often to poll /ping while the server starts. */
const PING_POLL_MS = 100;
/** Time a SIGTERM gets before SIGKILL at the end of a test run. */
const STOP_GRACE_MS = 5_000;
/** How much of the error log to quote when the server fails to start. */
const LOG_TAIL_BYTES = 2_000;

export interface TestServerOptions {
  /** Path to the clickhouse-server binary. */
  binary: string;
}

export interface TestServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Holds the config, data and logs; removed by stop(). */
  readonly dir: string;
  /** SIGKILL, as in a crash: no flush, no shutdown. Resolves once the process has exited. */
  kill(): Promise<void>;
  /** Starts the server again on the same data directory and ports; resolves when /ping answers. */
  start(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets open but answers nothing, as when it hangs. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Stops the server (SIGTERM, then SIGKILL) and deletes its directory. */
  stop(): Promise<void>;
}

export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const dir = await tempDir('clickhouse-server');
  const [httpPort, tcpPort] = [await freePort(), await freePort()];
  const configFile = path.join(dir, 'config.xml');
  await writeFile(configFile, serverConfig(dir, httpPort, tcpPort));
  await writeFile(path.join(dir, 'users.xml'), USERS_XML);
  const url = `http://127.0.0.1:${httpPort}`;

  let child: ChildProcess | undefined;
  // A crashed test must not leave a server running behind it.
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null)
      throw new Error('test server already running');
    child = spawn(options.binary, [`--config-file=${configFile}`], { stdio: 'ignore' });
    await waitForPing(url, child, path.join(dir, 'server.err.log'));
  };

  const signal = (name: NodeJS.Signals) => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill(name);
  };

  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = exitOf(running);
    running.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    url,
    dir,
    kill,
    start,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    async stop() {
      const running = child;
      if (running && running.exitCode === null && running.signalCode === null) {
        const exited = exitOf(running);
        running.kill('SIGCONT');
        running.kill('SIGTERM');
        const timer = setTimeout(() => running.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killOnExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function waitForPing(url: string, child: ChildProcess, errorLog: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `clickhouse-server exited during start (${child.exitCode ?? child.signalCode}):\n${await tail(errorLog)}`,
      );
    }
    try {
      const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(PING_POLL_MS * 10) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, PING_POLL_MS));
  }
  child.kill('SIGKILL');
  throw new Error(
    `clickhouse-server did not answer ${url}/ping within ${START_TIMEOUT_MS} ms:\n${await tail(errorLog)}`,
  );
}

async function tail(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).slice(-LOG_TAIL_BYTES);
  } catch {
    return '(no error log)';
  }
}

// <yandex> is the root element 18.16 reads; newer servers still accept it.
function serverConfig(dir: string, httpPort: number, tcpPort: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger>
    <level>information</level>
    <log>${dir}/server.log</log>
    <errorlog>${dir}/server.err.log</errorlog>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default></default></quotas>
</yandex>
`;
