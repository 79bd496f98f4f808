// Funnels against stored events: per visitor, the furthest step reached in order within the
// window (computed in JavaScript by trying every first-step event as a start), summed into
// visitors per step and conversion rates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registered } from '../../control-plane/testing/harness.ts';
import {
  bearer,
  generateEvents,
  inRange,
  insertEvents,
  openFixture,
  type QueryApiFixture,
  qs,
  type TestEvent,
  visitorOf,
} from '../testing/index.ts';
import { type FunnelAnswer, type FunnelStep, parseStep } from './index.ts';

const DATA_FROM = Date.UTC(2026, 2, 2);
const DATA_TO = Date.UTC(2026, 2, 23);

let fx: QueryApiFixture;
let owner: Registered;
let stored: TestEvent[];

beforeAll(async () => {
  fx = await openFixture('funnels');
  owner = await fx.owner();
  stored = generateEvents({ appId: owner.app.id, seed: 61, from: DATA_FROM, to: DATA_TO, visitors: 600 });
  await insertEvents(fx.ch, stored);
});
afterAll(() => fx?.close());

function matches(step: FunnelStep, event: TestEvent): boolean {
  if (step.field === 'type') return event.event_type === step.value;
  if (step.field === 'name') return event.name === step.value;
  if (step.field === 'path') return event.path === step.value;
  return event.event_type === step.value || event.name === step.value;
}

/**
 * Visitors reaching each step, by brute force over every possible starting event. A step may be
 * met at the same instant as the one before, even by the same event (an add_to_cart on
 * /pricing satisfies both "path:/pricing" and "add_to_cart"), as windowFunnel counts it.
 */
function expectedFunnel(steps: FunnelStep[], windowMs: number, from: number, to: number): number[] {
  const byVisitor = new Map<string, TestEvent[]>();
  for (const event of inRange(stored, from, to)) {
    const visitor = visitorOf(event);
    if (visitor !== '') byVisitor.set(visitor, [...(byVisitor.get(visitor) ?? []), event]);
  }
  const reached = steps.map(() => 0);
  for (const events of byVisitor.values()) {
    events.sort((a, b) => a.ts - b.ts);
    let best = 0;
    for (const start of events.filter((event) => matches(steps[0] as FunnelStep, event))) {
      let level = 1;
      let at = start.ts;
      for (const step of steps.slice(1)) {
        const next = events.find((e) => e.ts >= at && e.ts <= start.ts + windowMs && matches(step, e));
        if (!next) break;
        level += 1;
        at = next.ts;
      }
      best = Math.max(best, level);
    }
    for (let level = 0; level < best; level += 1) reached[level] = (reached[level] ?? 0) + 1;
  }
  return reached;
}

async function funnel(steps: string[], window: string, startDate: string, endDate: string) {
  return fx.json<FunnelAnswer>(
    `/api/analytics/funnels?${qs({ appId: owner.app.id, steps, window, startDate, endDate })}`,
    bearer(owner),
  );
}

describe('GET /api/analytics/funnels', () => {
  it.each([
    [['name:view_product', 'name:add_to_cart', 'name:checkout', 'name:purchase'], '1h', 3_600_000],
    [['name:view_product', 'name:add_to_cart', 'name:checkout', 'name:purchase'], '7d', 7 * 86_400_000],
    [['path:/pricing', 'add_to_cart', 'type:identify'], '30m', 1_800_000],
    [['type:screen', 'purchase'], '2d', 2 * 86_400_000],
  ])('%j within %s counts the visitors JavaScript finds', async (texts, window, windowMs) => {
    const answer = await funnel(texts, window, '2026-03-02', '2026-03-22');
    const steps = texts.map(parseStep);
    const expected = expectedFunnel(steps, windowMs, DATA_FROM, DATA_TO);
    expect(expected[0]).toBeGreaterThan(20);
    expect(answer.windowSeconds).toBe(windowMs / 1000);
    expect(answer.steps.map((step) => step.users)).toEqual(expected);
    for (const [index, step] of answer.steps.entries()) {
      expect(step).toMatchObject({ step: index + 1, field: steps[index]?.field, value: steps[index]?.value });
      const before = index === 0 ? step.users : (expected[index - 1] ?? 0);
      expect(step.conversionFromPrevious).toBeCloseTo(before === 0 ? 0 : step.users / before, 12);
      expect(step.conversionFromStart).toBeCloseTo(step.users / (expected[0] ?? 1), 12);
    }
  });

  it('only counts events inside the range', async () => {
    const answer = await funnel(
      ['name:view_product', 'name:add_to_cart'],
      '1d',
      '2026-03-10T00:00:00Z',
      '2026-03-12T12:00:00Z',
    );
    const expected = expectedFunnel(
      [parseStep('name:view_product'), parseStep('name:add_to_cart')],
      86_400_000,
      Date.parse('2026-03-10T00:00:00Z'),
      Date.parse('2026-03-12T12:00:00Z'),
    );
    expect(answer.steps.map((step) => step.users)).toEqual(expected);
  });

  it.each([
    [{ steps: ['only-one'] }, 'validation_failed'],
    [{ steps: Array.from({ length: 11 }, (_, i) => `s${i}`) }, 'validation_failed'],
    [{ steps: ['a', 'b'], window: '31d' }, 'invalid_window'],
    [{ steps: ['a', 'b'], window: '0s' }, 'invalid_window'],
    [{ steps: ['a', 'b'], window: '1 DAY' }, 'validation_failed'],
  ])('refuses %j with 400 %s', async (params, code) => {
    const response = await fx.get(
      `/api/analytics/funnels?${qs({ appId: owner.app.id, ...params })}`,
      bearer(owner),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
  });
});
