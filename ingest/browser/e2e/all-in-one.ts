// The all-in-one server as users run it (`node --import tsx runtime/launcher/main.ts`), in a child
// process, fully embedded: no service URL or secret is inherited from the test's environment, so
// ClickHouse, Postgres and Redis all live in `dataDir`. Starting again on the same directory and
// ports is a restart: the secrets, keys, sessions, spool and stored events are all still there.
import { embeddedEnv, startLauncher } from '../../../runtime/testing/launcher-process.ts';

// A cold start compiles the TypeScript and runs every migration (about 15 s here); a restart on a
// migrated directory takes about 5 s. Beyond this the start is broken, not slow.
const READY_TIMEOUT_MS = 45_000;

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

export async function startAllInOne({ dataDir, port, ingestPort }: AllInOneOptions): Promise<AllInOne> {
  const apiUrl = `http://127.0.0.1:${port}`;
  const ingestUrl = `http://127.0.0.1:${ingestPort}`;
  const launcher = startLauncher(
    [],
    embeddedEnv({
      DATA_DIR: dataDir,
      PORT: String(port),
      INGEST_PORT: String(ingestPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SPOOL_FLUSH_INTERVAL_MS: '200',
      PUBLIC_INGEST_URL: ingestUrl,
    }),
  );
  try {
    await launcher.waitReady([ingestUrl, apiUrl], READY_TIMEOUT_MS);
  } catch (error) {
    launcher.kill();
    throw error;
  }
  return { apiUrl, ingestUrl, output: launcher.output, kill: launcher.kill, stop: launcher.stop };
}
