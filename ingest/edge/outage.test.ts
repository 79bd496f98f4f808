// ClickHouse unavailable (the events table detached): the edge keeps acknowledging into the
// spool, answers 503 with Retry-After once the spool reaches its cap, and after ClickHouse
// returns everything drains with nothing lost or doubled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEdgeHarness, type EdgeHarness } from '../testing/edge-harness.ts';

let h: EdgeHarness;
beforeAll(async () => {
  // A small cap (256 KiB) so the test reaches it in a few hundred requests.
  h = await createEdgeHarness({ SPOOL_MAX_BYTES: String(256 * 1024) });
});
afterAll(() => h.close());

describe('ClickHouse outage', () => {
  it('spools while ClickHouse is away, refuses at the cap, and drains exactly once after', async () => {
    const owner = await h.cp.register();
    await h.ch.command('DETACH TABLE events');
    const acknowledged = new Set<string>();
    let full: Response | undefined;
    try {
      for (let i = 0; i < 2_000 && !full; i++) {
        const ids = Array.from({ length: 10 }, () => crypto.randomUUID());
        const response = await h.send(
          '/api/events/track/batch',
          {
            events: ids.map((eventId) => ({
              eventType: 'outage',
              eventId,
              url: 'https://example.com/a/page',
            })),
          },
          { key: owner.keys.server.key },
        );
        if (response.status === 202) for (const id of ids) acknowledged.add(id);
        else if (response.status === 503) full = response;
        else throw new Error(`unexpected ${response.status}`);
      }
      expect(acknowledged.size).toBeGreaterThan(100);
      if (!full) throw new Error('the spool never reached its cap');
      expect(full.status).toBe(503);
      expect(full.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await full.json()) as { error: { code: string } }).error.code).toBe('spool_full');
    } finally {
      await h.ch.command('ATTACH TABLE events');
    }
    const stored = await h.waitFor(
      'SELECT count() FROM events WHERE app_id = {app:UUID}',
      { app: owner.app.id },
      acknowledged.size,
      30_000,
    );
    expect(stored).toBe(acknowledged.size);
    const [row] = await h.ch.query<{ unique: string }>(
      'SELECT uniqExact(event_id) AS unique FROM events WHERE app_id = {app:UUID}',
      { params: { app: owner.app.id } },
    );
    expect(Number(row?.unique)).toBe(acknowledged.size);
    // With the spool drained, the edge takes data again.
    const after = await h.send('/api/events/track', { eventType: 'after' }, { key: owner.keys.server.key });
    expect(after.status).toBe(202);
  }, 90_000);
});
