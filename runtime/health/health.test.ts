import { describe, expect, it } from 'vitest';
import { checkReadiness, healthRoutes } from './index.ts';

describe('readiness', () => {
  it('is ready only when every dependency answers', async () => {
    expect(await checkReadiness({ a: async () => true, b: async () => true })).toEqual({
      status: 'ready',
      checks: { a: 'ok', b: 'ok' },
    });
    expect(await checkReadiness({ a: async () => true, b: async () => false })).toEqual({
      status: 'not_ready',
      checks: { a: 'ok', b: 'error' },
    });
  });

  it('treats a throwing or hanging check as an error', async () => {
    const result = await checkReadiness({
      throws: async () => {
        throw new Error('down');
      },
      hangs: () => new Promise<boolean>(() => {}),
    });
    expect(result).toEqual({ status: 'not_ready', checks: { throws: 'error', hangs: 'error' } });
  }, 5_000);

  it('answers 503 with the failing check over HTTP', async () => {
    const app = healthRoutes({ clickhouse: async () => false, postgres: async () => true });
    const ready = await app.request('/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'not_ready',
      checks: { clickhouse: 'error', postgres: 'ok' },
    });
    const health = await app.request('/health');
    expect(health.status).toBe(200);
  });
});
