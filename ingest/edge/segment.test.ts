// An unmodified Segment client library pointed at the edge: its track, page and identify calls
// land in ClickHouse with the right fields.
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEdgeHarness, type EdgeHarness } from '../testing/edge-harness.ts';

let h: EdgeHarness;
beforeAll(async () => {
  h = await createEdgeHarness();
});
afterAll(() => h.close());

describe('Segment compatibility', () => {
  it('accepts @segment/analytics-node batches with the write key as Basic auth', async () => {
    const owner = await h.cp.register();
    const analytics = new Analytics({
      writeKey: owner.keys.server.key,
      host: h.url,
      flushInterval: 100,
      maxEventsInBatch: 10,
    });
    const failures: unknown[] = [];
    analytics.on('error', (error) => failures.push(error));
    analytics.track({
      userId: 'seg-user',
      event: 'Order Completed',
      properties: { revenue: 42, currency: 'EUR' },
    });
    analytics.page({
      anonymousId: 'seg-anon',
      name: 'Pricing',
      properties: {
        url: 'https://shop.example.com/pricing?utm_source=ads',
        referrer: 'https://news.example.org/x',
      },
    });
    analytics.identify({ userId: 'seg-user', traits: { plan: 'enterprise' } });
    await analytics.closeAndFlush();
    expect(failures).toEqual([]);
    expect(
      await h.waitFor('SELECT count() FROM events WHERE app_id = {app:UUID}', { app: owner.app.id }, 3),
    ).toBe(3);
    const rows = await h.ch.query<Record<string, string>>(
      'SELECT event_type, name, user_id, anonymous_id, host, path, referrer_domain, utm_source, properties FROM events WHERE app_id = {app:UUID} ORDER BY event_type',
      { params: { app: owner.app.id } },
    );
    const byType = Object.fromEntries(rows.map((row) => [row.event_type, row]));
    expect(byType.track).toMatchObject({ name: 'Order Completed', user_id: 'seg-user' });
    expect(JSON.parse(byType.track?.properties ?? '{}')).toMatchObject({ revenue: 42, currency: 'EUR' });
    // A Segment page is the product's pageview, so dashboards count both the same way.
    expect(byType.pageview).toMatchObject({
      name: 'Pricing',
      anonymous_id: 'seg-anon',
      host: 'shop.example.com',
      path: '/pricing',
      utm_source: 'ads',
    });
    expect(byType.identify).toMatchObject({ user_id: 'seg-user' });
    expect(JSON.parse(byType.identify?.properties ?? '{}')).toMatchObject({ plan: 'enterprise' });
  });

  it('accepts single-message routes with writeKey in the body, and dedupes a resent messageId', async () => {
    const owner = await h.cp.register();
    const message = {
      writeKey: owner.keys.server.key,
      userId: 'u',
      event: 'Signed Up',
      messageId: 'ajs-next-12345',
    };
    const first = await fetch(`${h.url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    });
    expect(first.status).toBe(202);
    expect(
      await h.waitFor('SELECT count() FROM events WHERE app_id = {app:UUID}', { app: owner.app.id }, 1),
    ).toBe(1);
    const [row] = await h.ch.query<{ id: string }>(
      'SELECT toString(event_id) AS id FROM events WHERE app_id = {app:UUID}',
      {
        params: { app: owner.app.id },
      },
    );
    // A non-UUID messageId maps to the same UUID every time, so a client retry keeps its id.
    const again = await fetch(`${h.url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    });
    expect(again.status).toBe(202);
    expect(
      await h.waitFor('SELECT count() FROM events WHERE app_id = {app:UUID}', { app: owner.app.id }, 2),
    ).toBe(2);
    const ids = await h.ch.query<{ id: string }>(
      'SELECT DISTINCT toString(event_id) AS id FROM events WHERE app_id = {app:UUID}',
      {
        params: { app: owner.app.id },
      },
    );
    expect(ids).toEqual([{ id: row?.id }]);
  });
});
