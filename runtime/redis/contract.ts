// The behaviour both Redis implementations promise, as one suite: redis.test.ts runs it on the
// in-process store, redis.integration.test.ts on a real Redis. Keys carry a unique prefix so
// parallel runs against one server never collide.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { uniqueId } from '../testing/services.ts';
import { type GcraLimit, type Redis, RedisUnavailableError } from './types.ts';

/** Opens a new client (each call a separate one) on the store under test. */
export type OpenRedis = () => Redis | Promise<Redis>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function redisContract(open: OpenRedis): void {
  let redis: Redis;
  const prefix = `${uniqueId('rc')}:`;
  const used = new Set<string>();
  const key = (name: string): string => {
    used.add(prefix + name);
    return prefix + name;
  };

  beforeAll(async () => {
    redis = await open();
  });
  afterAll(async () => {
    // A shared server must not collect test keys run after run.
    await redis?.del(...used);
    await redis?.close();
  });

  it('sets, gets and overwrites strings; a missing key is null', async () => {
    expect(await redis.get(key('s1'))).toBeNull();
    await redis.set(key('s1'), 'one');
    expect(await redis.get(key('s1'))).toBe('one');
    await redis.set(key('s1'), 'two');
    expect(await redis.get(key('s1'))).toBe('two');
  });

  it('expires a key after its TTL, and a set without TTL clears an earlier one', async () => {
    await redis.set(key('ttl'), 'short', 300);
    await redis.set(key('persist'), 'short', 300);
    await redis.set(key('persist'), 'forever');
    expect(await redis.get(key('ttl'))).toBe('short');
    await sleep(450);
    expect(await redis.get(key('ttl'))).toBeNull();
    expect(await redis.get(key('persist'))).toBe('forever');
    await expect(redis.set(key('bad-ttl'), 'x', 0)).rejects.toBeInstanceOf(RangeError);
  });

  it('deletes keys and counts only those that existed', async () => {
    await redis.set(key('d1'), 'a');
    await redis.hset(key('d2'), { f: 'v' });
    expect(await redis.del(key('d1'), key('d2'), key('d-missing'))).toBe(2);
    expect(await redis.get(key('d1'))).toBeNull();
    expect(await redis.hgetall(key('d2'))).toEqual({});
    expect(await redis.del()).toBe(0);
  });

  it('increments integers, with a TTL that the first increment starts and later ones keep', async () => {
    expect(await redis.incrBy(key('n'), 5)).toBe(5);
    expect(await redis.incrBy(key('n'), -7)).toBe(-2);

    const ttlMs = 400;
    const opened = performance.now();
    expect(await redis.incrBy(key('window'), 1, ttlMs)).toBe(1);
    await sleep(200);
    const second = await redis.incrBy(key('window'), 1, ttlMs);
    // (A machine stalled past the TTL legitimately starts a new window.)
    if (performance.now() - opened < ttlMs - 50) expect(second).toBe(2);
    await sleep(opened + ttlMs + 100 - performance.now());
    // Gone at the first increment's TTL, although the second increment was more recent.
    expect(await redis.get(key('window'))).toBeNull();

    await redis.set(key('text'), 'abc');
    await expect(redis.incrBy(key('text'), 1)).rejects.toThrow(/not an integer/);
    await expect(redis.incrBy(key('n'), 1.5)).rejects.toBeInstanceOf(RangeError);
  });

  it('stores hashes: merge fields, read all, increment a field; wrong types are refused', async () => {
    expect(await redis.hgetall(key('h'))).toEqual({});
    await redis.hset(key('h'), { a: '1', b: 'x' });
    await redis.hset(key('h'), { b: 'y', c: '3' });
    expect(await redis.hincrBy(key('h'), 'a', 4)).toBe(5);
    expect(await redis.hincrBy(key('h'), 'new', -2)).toBe(-2);
    expect(await redis.hgetall(key('h'))).toEqual({ a: '5', b: 'y', c: '3', new: '-2' });
    await redis.hset(key('h'), {});

    const proto = await redis
      .hset(key('proto'), { __proto__: 'p', constructor: 'c' })
      .then(() => redis.hgetall(key('proto')));
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);

    await expect(redis.get(key('h'))).rejects.toThrow(/WRONGTYPE/);
    await redis.set(key('str'), 'v');
    await expect(redis.hset(key('str'), { f: 'v' })).rejects.toThrow(/WRONGTYPE/);
    await expect(redis.hgetall(key('str'))).rejects.toThrow(/WRONGTYPE/);
  });

  it('drains a hash atomically: no increment is lost or counted twice while draining', async () => {
    expect(await redis.hgetallAndDelete(key('missing-hash'))).toEqual({});
    const counter = key('drain');
    let drained = 0;
    const drains: Promise<void>[] = [];
    const increments: Promise<number>[] = [];
    for (let i = 0; i < 200; i++) {
      increments.push(redis.hincrBy(counter, `f${i % 5}`, 1));
      if (i % 40 === 0) {
        drains.push(
          redis.hgetallAndDelete(counter).then((fields) => {
            for (const value of Object.values(fields)) drained += Number(value);
          }),
        );
      }
    }
    await Promise.all([...increments, ...drains]);
    const rest = await redis.hgetallAndDelete(counter);
    for (const value of Object.values(rest)) drained += Number(value);
    expect(drained).toBe(200);
    expect(await redis.hgetall(counter)).toEqual({});
  });

  it('GCRA: admits exactly burst at once, then denies with a retry time that is honest', async () => {
    // One unit per 500 ms: slow enough that a busy machine does not refill a unit mid-test.
    const limit: GcraLimit = { rate: 2, periodMs: 1_000, burst: 5 };
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await redis.gcra(key('g1'), limit));
    expect(results.slice(0, 5).map((result) => [result.allowed, result.remaining])).toEqual([
      [true, 4],
      [true, 3],
      [true, 2],
      [true, 1],
      [true, 0],
    ]);
    const denied = results[5];
    expect(denied).toMatchObject({ allowed: false, remaining: 0 });
    // The next unit is due 500 ms after the first call; a little of that passed during the burst.
    expect(denied?.retryAfterMs).toBeGreaterThan(250);
    expect(denied?.retryAfterMs).toBeLessThanOrEqual(500);
    await sleep((denied?.retryAfterMs ?? 0) + 10);
    expect(await redis.gcra(key('g1'), limit)).toMatchObject({ allowed: true });
    expect(await redis.gcra(key('g1'), limit)).toMatchObject({ allowed: false });
  });

  it('GCRA: after the burst, admits about `rate` per period', async () => {
    // One unit per 50 ms. The burst of 10 keeps the credit that accrues while a busy machine
    // stalls the loop, so the count below depends on elapsed time, not on scheduling.
    const intervalMs = 50;
    const limit: GcraLimit = { rate: 1_000 / intervalMs, periodMs: 1_000, burst: 10 };
    const spendUntilDenied = async () => {
      let admitted = 0;
      for (;;) {
        const sent = performance.now();
        const { allowed } = await redis.gcra(key('g2'), limit);
        if (!allowed) return { admitted, sent, returned: performance.now() };
        admitted++;
      }
    };
    const first = await spendUntilDenied();
    let admitted = 0;
    while (performance.now() - first.returned < 500) {
      await sleep(5);
      if ((await redis.gcra(key('g2'), limit)).allowed) admitted++;
    }
    const last = await spendUntilDenied();
    admitted += last.admitted;
    // Between two denials the TAT moved by exactly the admitted units, so they match the elapsed
    // time within one interval (each denial happened somewhere between its send and its reply).
    expect(admitted).toBeGreaterThan((last.sent - first.returned) / intervalMs - 1);
    expect(admitted).toBeLessThan((last.returned - first.sent) / intervalMs + 1);
  });

  it('GCRA: charges a cost, keeps keys apart, and never over-admits concurrent calls', async () => {
    const slow: GcraLimit = { rate: 1, periodMs: 60_000, burst: 10 };
    expect(await redis.gcra(key('g3'), slow, 7)).toMatchObject({ allowed: true, remaining: 3 });
    expect(await redis.gcra(key('g3'), slow, 4)).toMatchObject({ allowed: false, remaining: 3 });
    expect(await redis.gcra(key('g3'), slow, 0)).toMatchObject({ allowed: true, remaining: 3 });
    await expect(redis.gcra(key('g3'), slow, 11)).rejects.toBeInstanceOf(RangeError);

    const results = await Promise.all(Array.from({ length: 40 }, () => redis.gcra(key('g4'), slow)));
    expect(results.filter((result) => result.allowed)).toHaveLength(10);
    expect(await redis.gcra(key('g5'), slow)).toMatchObject({ allowed: true, remaining: 9 });
  });

  it('pub/sub: delivers in order after subscribe resolves, never synchronously, and stops on unsubscribe', async () => {
    const channel = key('chan');
    const first: string[] = [];
    const second: string[] = [];
    const unsubscribeFirst = await redis.subscribe(channel, (message) => first.push(message));
    const unsubscribeSecond = await redis.subscribe(channel, (message) => second.push(message));
    const elsewhere: string[] = [];
    const unsubscribeElsewhere = await redis.subscribe(key('other-chan'), (message) =>
      elsewhere.push(message),
    );

    const published = redis.publish(channel, 'm1');
    expect(first).toEqual([]);
    await published;
    await redis.publish(channel, 'm2');
    await redis.publish(channel, 'm3');
    await vi.waitFor(() => expect(first).toEqual(['m1', 'm2', 'm3']), { timeout: 1_000, interval: 5 });
    await vi.waitFor(() => expect(second).toEqual(['m1', 'm2', 'm3']), { timeout: 1_000, interval: 5 });

    await unsubscribeFirst();
    await redis.publish(channel, 'm4');
    await vi.waitFor(() => expect(second).toEqual(['m1', 'm2', 'm3', 'm4']), { timeout: 1_000, interval: 5 });
    await sleep(50);
    expect(first).toEqual(['m1', 'm2', 'm3']);
    expect(elsewhere).toEqual([]);

    await unsubscribeSecond();
    await unsubscribeSecond();
    await unsubscribeElsewhere();
    // Subscribing again after everyone left works.
    const again: string[] = [];
    const unsubscribeAgain = await redis.subscribe(channel, (message) => again.push(message));
    await redis.publish(channel, 'm5');
    await vi.waitFor(() => expect(again).toEqual(['m5']), { timeout: 1_000, interval: 5 });
    await unsubscribeAgain();
    expect(second).toEqual(['m1', 'm2', 'm3', 'm4']);
  });

  it('keeps delivering to other subscribers when one handler throws', async () => {
    const channel = key('throwing');
    const received: string[] = [];
    const unsubscribeBad = await redis.subscribe(channel, () => {
      throw new Error('handler bug');
    });
    const unsubscribeGood = await redis.subscribe(channel, (message) => received.push(message));
    await redis.publish(channel, 'still delivered');
    await vi.waitFor(() => expect(received).toEqual(['still delivered']), { timeout: 1_000, interval: 5 });
    await unsubscribeBad();
    await unsubscribeGood();
  });

  it('answers ping', async () => {
    expect(await redis.ping()).toBe(true);
  });

  it('closes: ping turns false, calls reject with RedisUnavailableError, a second close is a no-op', async () => {
    const other = await open();
    await other.set(key('closing'), 'x');
    await other.subscribe(key('closing-chan'), () => undefined);
    await other.close();
    expect(await other.ping()).toBe(false);
    await expect(other.get(key('closing'))).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(other.gcra(key('closing'), { rate: 1, periodMs: 1_000, burst: 1 })).rejects.toBeInstanceOf(
      RedisUnavailableError,
    );
    await other.close();
  });
}
