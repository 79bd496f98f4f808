import { describe, expect, it } from 'vitest';
import { newThresholds, pageKey, scrollPercent, utmFields } from './page.ts';

describe('utmFields', () => {
  it.each([
    ['', {}],
    ['?a=1', {}],
    [
      '?utm_source=news&utm_medium=email&utm_campaign=fall%20sale&utm_term=shoes&utm_content=top',
      {
        utm_source: 'news',
        utm_medium: 'email',
        utm_campaign: 'fall sale',
        utm_term: 'shoes',
        utm_content: 'top',
      },
    ],
    ['?utm_source=a&utm_source=b&utm_medium=', { utm_source: 'a' }],
    ['?utm_other=x&UTM_SOURCE=y', {}],
  ])('%j', (search, expected) => {
    expect(utmFields(search)).toEqual(expected);
  });
});

describe('pageKey', () => {
  const at = (pathname: string, search = '', hash = '') => pageKey({ pathname, search, hash });

  it('is path and query', () => {
    expect(at('/a', '?x=1')).toBe('/a?x=1');
    expect(at('/a', '?x=1')).not.toBe(at('/a', '?x=2'));
  });

  it('ignores anchors but not hash routes', () => {
    expect(at('/a', '', '#section')).toBe(at('/a'));
    expect(at('/', '', '#/orders/1')).not.toBe(at('/', '', '#/orders/2'));
    expect(at('/', '', '#!/orders')).toBe('/#!/orders');
  });
});

describe('scrollPercent', () => {
  it.each([
    [0, 700, 7_000, 10],
    [3_150, 700, 7_000, 55],
    [6_300, 700, 7_000, 100],
    [6_299.6, 700, 7_000, 100],
    [9_000, 700, 7_000, 100],
    [0, 700, 500, 100],
    [0, 700, 0, 100],
  ])('top %f, viewport %f, page %f -> %i%%', (top, viewport, page, percent) => {
    expect(scrollPercent(top, viewport, page)).toBe(percent);
  });
});

describe('newThresholds', () => {
  it.each([
    [[25, 50, 75, 100], [], 10, []],
    [[25, 50, 75, 100], [], 60, [25, 50]],
    [[25, 50, 75, 100], [25], 60, [50]],
    [[25, 50, 75, 100], [25, 50], 60, []],
    [[100, 25, 50, 25], [], 100, [25, 50, 100]],
  ])('thresholds %j, reported %j, at %i%% -> %j', (thresholds, reported, percent, expected) => {
    expect(newThresholds(thresholds, new Set(reported), percent)).toEqual(expected);
  });
});
