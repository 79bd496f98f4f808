// Liveness and readiness. Liveness says the process runs; readiness checks each store the
// service depends on and answers 503 until all of them answer. Shared by the Hono servers
// and the uWS edge, so both report the same shape.
import { Hono } from 'hono';

export type DependencyCheck = () => Promise<boolean>;

export interface Readiness {
  status: 'ready' | 'not_ready';
  checks: Record<string, 'ok' | 'error'>;
}

// A store that has not answered in 2 s is not ready, whatever it might say later.
const CHECK_TIMEOUT_MS = 2_000;

export async function checkReadiness(checks: Readonly<Record<string, DependencyCheck>>): Promise<Readiness> {
  const entries = await Promise.all(
    Object.entries(checks).map(
      async ([name, check]) => [name, (await withTimeout(check())) ? 'ok' : 'error'] as const,
    ),
  );
  const result = Object.fromEntries(entries) as Record<string, 'ok' | 'error'>;
  return { status: entries.every(([, state]) => state === 'ok') ? 'ready' : 'not_ready', checks: result };
}

async function withTimeout(check: Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check.catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(checks: Readonly<Record<string, DependencyCheck>>): Hono {
  return new Hono()
    .get('/health', (c) => c.json({ status: 'ok' }))
    .get('/ready', async (c) => {
      const readiness = await checkReadiness(checks);
      return c.json(readiness, readiness.status === 'ready' ? 200 : 503);
    });
}
