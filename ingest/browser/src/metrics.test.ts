import { describe, expect, it } from 'vitest';
import { MAX_LABEL_VALUE_LENGTH as EDGE_MAX_LABEL_VALUE_LENGTH } from '../../pipeline/schemas.ts';
import type { TrackerMetric } from './config.ts';
import { buildSample, MAX_LABEL_VALUE_LENGTH, pickLabels } from './metrics.ts';

const track = { pageViews: false, clicks: [], scrollDepth: false, formSubmissions: false, customEvents: [] };
const counter: TrackerMetric = {
  name: 'signups_total',
  type: 'counter',
  labelNames: ['plan', 'path'],
  track,
};
const gauge: TrackerMetric = { name: 'cart_value', type: 'gauge', labelNames: [], track };
const NOW = Date.parse('2024-05-06T07:08:09.123Z');

describe('pickLabels', () => {
  it('keeps configured names only, as text, later sources winning', () => {
    expect(
      pickLabels(
        ['plan', 'path', 'n', 'ok'],
        { plan: 'free', path: '/a' },
        { plan: 'pro', bogus: 'x', n: 3, ok: true },
      ),
    ).toEqual({
      plan: 'pro',
      path: '/a',
      n: '3',
      ok: 'true',
    });
  });

  it('drops objects, empty values and non-object sources', () => {
    expect(
      pickLabels(['a', 'b', 'c', 'd'], { a: {}, b: '', c: null, d: undefined }, 'text', null, 42),
    ).toEqual({});
  });

  it('cuts values to what the edge accepts', () => {
    expect(MAX_LABEL_VALUE_LENGTH).toBe(EDGE_MAX_LABEL_VALUE_LENGTH);
    expect(pickLabels(['a'], { a: 'x'.repeat(5_000) }).a).toHaveLength(MAX_LABEL_VALUE_LENGTH);
  });

  it('does not read inherited properties as labels', () => {
    expect(pickLabels(['toString', 'constructor'], {})).toEqual({});
  });
});

describe('buildSample', () => {
  it('builds a sample with filtered labels and an ISO timestamp', () => {
    expect(buildSample(counter, 'counter', 2, [{ plan: 'pro', secret: 'x' }], NOW)).toEqual({
      name: 'signups_total',
      value: 2,
      labels: { plan: 'pro' },
      timestamp: '2024-05-06T07:08:09.123Z',
    });
  });

  it.each([
    ['an unknown metric', undefined, 'counter', 1],
    ['the wrong type', gauge, 'counter', 1],
    ['a negative counter increment', counter, 'counter', -1],
    ['NaN', gauge, 'gauge', Number.NaN],
    ['Infinity', gauge, 'gauge', Number.POSITIVE_INFINITY],
    ['a string', gauge, 'gauge', '3'],
  ] as const)('refuses %s', (_case, metric, type, value) => {
    expect(buildSample(metric, type, value, [], NOW)).toBeUndefined();
  });

  it('lets gauges go negative', () => {
    expect(buildSample(gauge, 'gauge', -5, [], NOW)?.value).toBe(-5);
  });
});
