// The query cache's contract: an answer is served from the cache until the ingest flusher bumps
// the app's generation, then recomputed with the new rows; other apps keep their entries; the
// TTL bounds everything else; concurrent misses compute once; the hit ratio is exported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registered } from '../../control-plane/testing/harness.ts';
import {
  bearer,
  generateEvents,
  insertEvents,
  openFixture,
  type QueryApiFixture,
  qs,
  type TestEvent,
} from '../testing/index.ts';
import { answerKey, bumpAppGenerations, normaliseQuery, readAppGeneration } from './index.ts';

const DATA_FROM = Date.UTC(2026, 2, 2);
const DATA_TO = Date.UTC(2026, 2, 9);

let fx: QueryApiFixture;
let a: Registered;
let b: Registered;
let aEvents: TestEvent[];

beforeAll(async () => {
  fx = await openFixture('cache');
  a = await fx.owner();
  b = await fx.owner();
  aEvents = generateEvents({ appId: a.app.id, seed: 101, from: DATA_FROM, to: DATA_TO, visitors: 100 });
  await insertEvents(fx.ch, [
    ...aEvents,
    ...generateEvents({ appId: b.app.id, seed: 102, from: DATA_FROM, to: DATA_TO, visitors: 50 }),
  ]);
});
afterAll(() => fx?.close());

const summary = (owner: Registered) =>
  `/api/analytics/events/summary?${qs({ appId: owner.app.id, startDate: '2026-03-02', endDate: '2026-03-08' })}`;

async function fetchSummary(owner: Registered) {
  const response = await fx.get(summary(owner), bearer(owner));
  expect(response.status).toBe(200);
  const body = (await response.json()) as { totals: { events: number } };
  return { cache: response.headers.get('x-cache'), events: body.totals.events };
}

describe('query cache', () => {
  it('keys answers by a normalised query, the app and its generation', () => {
    expect(normaliseQuery({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"y":2,"z":1}]},"b":1}',
    );
    const key = answerKey('app', '0', 'summary', { x: 1, y: 2 });
    expect(answerKey('app', '0', 'summary', { y: 2, x: 1 })).toBe(key);
    expect(answerKey('app', '1', 'summary', { x: 1, y: 2 })).not.toBe(key);
    expect(answerKey('other', '0', 'summary', { x: 1, y: 2 })).not.toBe(key);
    expect(answerKey('app', '0', 'timeline', { x: 1, y: 2 })).not.toBe(key);
  });

  it('serves the cached answer until a flush bumps the generation, then the fresh one', async () => {
    expect(await fetchSummary(a)).toEqual({ cache: 'miss', events: aEvents.length });
    expect(await fetchSummary(a)).toEqual({ cache: 'hit', events: aEvents.length });
    expect((await fetchSummary(b)).cache).toBe('miss');

    // A flush lands new rows: until the flusher bumps the generation, the cached answer stands.
    const more = generateEvents({
      appId: a.app.id,
      seed: 103,
      from: DATA_FROM,
      to: DATA_TO,
      visitors: 20,
      marker: 'late-',
    });
    await insertEvents(fx.ch, more);
    expect(await fetchSummary(a)).toEqual({ cache: 'hit', events: aEvents.length });

    const before = await readAppGeneration(fx.harness.deps.redis, a.app.id);
    await bumpAppGenerations(fx.harness.deps.redis, [a.app.id, a.app.id]);
    expect(await readAppGeneration(fx.harness.deps.redis, a.app.id)).not.toBe(before);
    expect(await fetchSummary(a)).toEqual({ cache: 'miss', events: aEvents.length + more.length });
    expect(await fetchSummary(a)).toEqual({ cache: 'hit', events: aEvents.length + more.length });
    // Only the flushed app's answers were invalidated.
    expect((await fetchSummary(b)).cache).toBe('hit');
  });

  it('computes concurrent identical misses once', async () => {
    await bumpAppGenerations(fx.harness.deps.redis, [b.app.id]);
    const results = await Promise.all(Array.from({ length: 5 }, () => fetchSummary(b)));
    expect(results.filter((result) => result.cache === 'miss')).toHaveLength(1);
    expect(new Set(results.map((result) => result.events)).size).toBe(1);
  });

  it('exports the hit ratio and per-endpoint counts to the registry it was given', async () => {
    const text = await fx.metrics.metrics();
    const hits = Number(
      /query_api_cache_requests_total\{endpoint="summary",result="hit"\} (\d+)/.exec(text)?.[1],
    );
    const misses = Number(
      /query_api_cache_requests_total\{endpoint="summary",result="miss"\} (\d+)/.exec(text)?.[1],
    );
    expect(hits).toBeGreaterThan(0);
    expect(misses).toBeGreaterThan(0);
    const ratio = Number(/^query_api_cache_hit_ratio (\S+)$/m.exec(text)?.[1]);
    expect(ratio).toBeCloseTo(hits / (hits + misses), 9);
  });

  it('lets the TTL expire answers, and caches nothing with a TTL of 0', async () => {
    const short = await fx.another({ env: { CACHE_QUERY_TTL_SECONDS: '1' } });
    const get = async () =>
      (
        await short.app.request(summary(a), { headers: { authorization: `Bearer ${a.accessToken}` } })
      ).headers.get('x-cache');
    // Another process's cache under the same Redis: bump so this test starts from a miss.
    await bumpAppGenerations(fx.harness.deps.redis, [a.app.id]);
    expect(await get()).toBe('miss');
    expect(await get()).toBe('hit');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await get()).toBe('miss');

    const off = await fx.another({ env: { CACHE_QUERY_TTL_SECONDS: '0' } });
    const response = await off.app.request(summary(a), {
      headers: { authorization: `Bearer ${a.accessToken}` },
    });
    expect(response.headers.get('x-cache')).toBe('bypass');
  });
});
