// Per-key limits under concurrent load admit no more than the limit allows (burst plus the
// sustained rate over the test's duration), with a stated tolerance of zero over-admission:
// leases are taken from the shared bucket before they are spent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEdgeHarness, type EdgeHarness } from '../testing/edge-harness.ts';

const RATE = 200;
const BURST = 50;
let h: EdgeHarness;
beforeAll(async () => {
  h = await createEdgeHarness({
    RATE_LIMIT_KEY_PER_SECOND: String(RATE),
    RATE_LIMIT_KEY_BURST: String(BURST),
  });
});
afterAll(() => h.close());

describe('rate limits', () => {
  it('admits at most burst + rate x elapsed events under concurrent load, and answers 429 with Retry-After', async () => {
    const owner = await h.cp.register();
    const started = Date.now();
    let admitted = 0;
    let limited: Response | undefined;
    const worker = async () => {
      while (Date.now() - started < 2_000) {
        const response = await h.send(
          '/api/events/track',
          { eventType: 'x' },
          { key: owner.keys.server.key },
        );
        if (response.status === 202) admitted++;
        else if (response.status === 429) limited ??= response;
        await response.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const elapsed = (Date.now() - started) / 1000;
    const allowed = BURST + RATE * elapsed;
    expect(admitted).toBeLessThanOrEqual(Math.ceil(allowed));
    // Leases that lapse unspent only ever under-admit; by a little.
    expect(admitted).toBeGreaterThan(allowed * 0.6);
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(
      await h.waitFor(
        'SELECT count() FROM events WHERE app_id = {app:UUID}',
        { app: owner.app.id },
        admitted,
      ),
    ).toBe(admitted);
  });
});
