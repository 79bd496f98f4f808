// Entry point: `node --import tsx runtime/launcher/main.ts [service]`, service one of
// all (default), control-plane, query-api, ingest, migrate.
//
// libuv's thread pool carries the spool's writes and fsyncs, gzip and the embedded engine's
// async queries. It keeps libuv's default size (4) unless UV_THREADPOOL_SIZE is set in the
// environment: the pool starts while Node loads this module, so setting it here would be too late.
//
// The launcher reads the environment once, starts the requested service, and owns shutdown.
import { ConfigError, ensureSecrets, loadConfig } from '../config/index.ts';
import { createLogger } from '../logger/index.ts';
import { SERVICES, type ServiceName, startService } from './services.ts';

// SIGTERM must finish well inside the orchestrator's kill timeout (commonly 10 s).
const SHUTDOWN_TIMEOUT_MS = 8_000;

function fail(message: string, exitCode: number): never {
  process.stderr.write(`clickstream: ${message}\n`);
  process.exit(exitCode);
}

async function main(): Promise<void> {
  const requested = process.argv.slice(2);
  if (requested.length === 0) requested.push('all');
  for (const name of requested) {
    if (!(SERVICES as readonly string[]).includes(name)) {
      fail(`unknown service "${name}"; expected one or more of ${SERVICES.join(', ')}`, 2);
    }
  }
  const services = requested as ServiceName[];
  let config: Parameters<typeof startService>[1];
  try {
    config = (await ensureSecrets(loadConfig(process.env))) as typeof config;
  } catch (error) {
    if (error instanceof ConfigError) fail(`configuration error: ${error.message}`, 2);
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  const started = performance.now();
  const running = await startService(services, config, logger).catch((error: unknown) => {
    logger.fatal({ err: error }, 'start-up failed');
    logger.flush();
    fail(`start-up failed: ${error instanceof Error ? error.message : String(error)}`, 1);
  });
  if (services.includes('migrate')) {
    logger.info('migrations complete');
    logger.flush();
    return;
  }
  logger.info({ services, urls: running.urls, ms: Math.round(performance.now() - started) }, 'ready');
  for (const [name, url] of Object.entries(running.urls)) process.stdout.write(`${name}: ${url}\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => fail('shutdown timed out', 1), SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    running.stop().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

await main();
