// The console's pure parts, in node: formatting, hash routing, where API field errors go, the
// metric form's parsing, and the analytics range and interval choices.
import { describe, expect, it } from 'vitest';
import {
  allowedIntervals,
  customRangeProblem,
  defaultInterval,
  intervalFromQuery,
  metricStep,
  rangeFromQuery,
  rangeMs,
  rangeParams,
} from './analytics/range.ts';
import { queryString } from './api.ts';
import {
  describeChange,
  formatCount,
  formatDuration,
  formatPercent,
  formatRelative,
  splitList,
} from './format.ts';
import { matchPath, parseHash } from './router.ts';
import { matchField } from './ui.ts';
import { normalizeOrigin } from './views/app-form.ts';
import { endOfLocalDay } from './views/keys.ts';
import { describeTracking, formValuesOf, type MetricFormValues, metricBody } from './views/metric-draft.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('format', () => {
  it.each([
    [0, '0'],
    [1234, '1,234'],
    [999_999, '999,999'],
    [1_250_000, '1.3M'],
  ])('formatCount(%s) = %s', (value, text) => expect(formatCount(value)).toBe(text));

  it.each([
    [0, '0s'],
    [59.6, '1m 0s'],
    [83, '1m 23s'],
    [7260, '2h 1m'],
  ])('formatDuration(%s) = %s', (seconds, text) => expect(formatDuration(seconds)).toBe(text));

  it('formats ratios and relative times', () => {
    expect(formatPercent(0.4567)).toBe('45.7%');
    const now = Date.parse('2026-03-10T12:00:00Z');
    expect(formatRelative(null, now)).toBe('never');
    expect(formatRelative('2026-03-10T11:57:00Z', now)).toBe('3 minutes ago');
    expect(formatRelative('2026-03-12T12:00:00Z', now)).toBe('in 2 days');
    expect(formatRelative('2026-03-10T11:59:30Z', now)).toBe('just now');
  });

  it.each([
    [120, 100, 'count', { text: '+20%', direction: 'up' }],
    [80, 100, 'count', { text: '−20%', direction: 'down' }],
    [100, 100, 'count', { text: '±0%', direction: 'flat' }],
    [5, 0, 'count', { text: 'new', direction: 'up' }],
    [0, 0, 'count', { text: '±0%', direction: 'flat' }],
    [0.45, 0.4, 'ratio', { text: '+5 pts', direction: 'up' }],
    [0.3, 0.4, 'ratio', { text: '−10 pts', direction: 'down' }],
  ] as const)('describeChange(%s, %s, %s)', (current, previous, kind, expected) => {
    expect(describeChange(current, previous, kind)).toMatchObject(expected);
  });

  it('says the change in words for screen readers', () => {
    expect(describeChange(150, 100, 'count').spoken).toBe('up 50% from the previous period');
  });

  it('splits lists without blanks or repeats', () => {
    expect(splitList(' a, b\n\nb ,c ')).toEqual(['a', 'b', 'c']);
  });
});

describe('routing', () => {
  it.each([
    ['', '/', ''],
    ['#', '/', ''],
    ['#/apps', '/apps', ''],
    ['#/apps/', '/apps', ''],
    ['#/auth/callback?handoff=abc', '/auth/callback', 'handoff=abc'],
    ['#apps/1/keys?x=1&y=2', '/apps/1/keys', 'x=1&y=2'],
  ])('parseHash(%j)', (hash, path, query) => {
    const parsed = parseHash(hash);
    expect(parsed.path).toBe(path);
    expect(parsed.query.toString()).toBe(query);
  });

  it('matches patterns with parameters', () => {
    expect(matchPath('/apps/:appId/keys', '/apps/abc/keys')).toEqual({ appId: 'abc' });
    expect(matchPath('/apps/:appId/keys', '/apps/abc/metrics')).toBeUndefined();
    expect(matchPath('/apps/:appId', '/apps/abc/keys')).toBeUndefined();
    expect(matchPath('/apps/:appId', '/apps/%E0%A4%A')).toBeUndefined();
  });

  it('builds query strings with repeated keys and no undefined values', () => {
    expect(queryString({ appId: 'a', steps: ['name:x', 'path:/y'], limit: 5, key: undefined })).toBe(
      '?appId=a&steps=name%3Ax&steps=path%3A%2Fy&limit=5',
    );
    expect(queryString({})).toBe('');
  });
});

describe('matchField', () => {
  const known = [
    'name',
    'labelNames',
    'buckets',
    'track.clicks',
    'track.scrollDepth',
    'track.scrollDepthSwitch',
  ];
  it.each([
    ['body.name', { name: 'name', index: undefined }],
    ['body.labelNames.2', { name: 'labelNames', index: 2 }],
    ['body.track.scrollDepth.1', { name: 'track.scrollDepth', index: 1 }],
    ['body.track.clicks', { name: 'track.clicks', index: undefined }],
    ['query.keyId', undefined],
    ['body', undefined],
  ])('%s', (field, expected) => expect(matchField(field, known)).toEqual(expected));
});

const blank: MetricFormValues = {
  name: 'signups_total',
  type: 'counter',
  help: '',
  labelNames: '',
  buckets: '',
  pageViews: false,
  clicks: '',
  scrollDepth: false,
  scrollThresholds: '',
  formSubmissions: false,
  formSelectors: '',
  customEvents: '',
  enabled: true,
};

describe('metric form', () => {
  it('turns the form into the API body', () => {
    const { body, issues } = metricBody({
      ...blank,
      name: ' load_seconds ',
      type: 'histogram',
      labelNames: 'route, region',
      buckets: '0.1, 0.5 1',
      clicks: 'button.buy\n\n#cta',
      scrollDepth: true,
      scrollThresholds: '50, 90',
      formSubmissions: true,
      customEvents: 'signup, app:ready',
    });
    expect(issues).toEqual([]);
    expect(body).toEqual({
      name: 'load_seconds',
      type: 'histogram',
      help: '',
      labelNames: ['route', 'region'],
      buckets: [0.1, 0.5, 1],
      track: {
        pageViews: false,
        clicks: ['button.buy', '#cta'],
        scrollDepth: [50, 90],
        formSubmissions: true,
        customEvents: ['signup', 'app:ready'],
      },
      enabled: true,
    });
  });

  it('leaves buckets out of counters and sends null for default histogram buckets', () => {
    expect(metricBody({ ...blank, buckets: '1, 2' }).body).not.toHaveProperty('buckets');
    expect(metricBody({ ...blank, type: 'histogram' }).body.buckets).toBeNull();
  });

  it('reports what does not parse like the server reports its field errors', () => {
    const { issues } = metricBody({
      ...blank,
      name: '',
      type: 'histogram',
      buckets: '1, abc',
      scrollDepth: true,
      scrollThresholds: '25, 50.5',
    });
    expect(issues).toEqual([
      { field: 'body.name', message: 'Give the metric a name' },
      { field: 'body.track.scrollDepth.1', message: '“50.5” is not a whole number' },
      { field: 'body.buckets.1', message: '“abc” is not a number' },
    ]);
  });

  it('round-trips a stored config through the form', () => {
    const track = {
      pageViews: true,
      clicks: ['a'],
      scrollDepth: [25, 75],
      formSubmissions: ['#f'],
      customEvents: ['x'],
    };
    const values = formValuesOf({
      id: '1',
      appId: '2',
      name: 'n_total',
      type: 'counter',
      help: 'h',
      labelNames: ['plan'],
      buckets: null,
      track,
      enabled: false,
      createdAt: '',
      updatedAt: '',
      warnings: [],
    });
    expect(metricBody(values).body).toMatchObject({
      name: 'n_total',
      labelNames: ['plan'],
      track,
      enabled: false,
    });
    expect(describeTracking(track)).toBe(
      'page views; clicks on a; scroll depth at 25, 75%; submits of #f; events x',
    );
  });
});

describe('app and key helpers', () => {
  it.each([
    ['https://Shop.Example.com/', 'https://shop.example.com'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['https://example.com:443/', 'https://example.com'],
    ['https://example.com/page', 'https://example.com/page'],
    ['https://example.com/?q=1', 'https://example.com/?q=1'],
    ['example.com', 'example.com'],
  ])('normalizeOrigin(%s) = %s', (text, origin) => expect(normalizeOrigin(text)).toBe(origin));

  it('expires a key at the end of the chosen local day', () => {
    const end = new Date(endOfLocalDay('2026-03-01'));
    expect([end.getFullYear(), end.getMonth(), end.getDate(), end.getHours(), end.getMinutes()]).toEqual([
      2026, 2, 1, 23, 59,
    ]);
  });
});

describe('analytics range', () => {
  it('sends presets as relative ranges and custom ones as dates', () => {
    expect(rangeParams({ kind: 'preset', id: '30m' })).toEqual({ startDate: '30m' });
    expect(rangeParams({ kind: 'custom', from: '2026-01-01', to: '2026-01-31' })).toEqual({
      startDate: '2026-01-01',
      endDate: '2026-01-31',
    });
    expect(rangeMs({ kind: 'custom', from: '2026-01-01', to: '2026-01-31' })).toBe(31 * DAY);
  });

  it.each([
    ['30m', ['minute'], 'minute'],
    ['24h', ['minute', 'hour'], 'hour'],
    ['7d', ['hour', 'day'], 'hour'],
    ['30d', ['hour', 'day', 'week'], 'day'],
    ['365d', ['day', 'week', 'month'], 'day'],
  ] as const)('%s allows %j and defaults to %s', (id, allowed, chosen) => {
    const ms = rangeMs({ kind: 'preset', id });
    expect(allowedIntervals(ms)).toEqual(allowed);
    expect(defaultInterval(ms)).toBe(chosen);
  });

  it('picks a metric step that keeps points legible', () => {
    expect(metricStep(30 * 60_000)).toBe('1m');
    expect(metricStep(DAY)).toBe('5m');
    expect(metricStep(7 * DAY)).toBe('1h');
    expect(metricStep(365 * DAY)).toBe('1d');
  });

  it('validates custom ranges', () => {
    expect(customRangeProblem('', '2026-01-01')).toBe('Choose a start and an end date');
    expect(customRangeProblem('2026-02-01', '2026-01-01')).toBe(
      'The start date must be on or before the end date',
    );
    expect(customRangeProblem('2025-01-01', '2026-06-01')).toBe('Choose at most 366 days');
    expect(customRangeProblem('2026-01-01', '2026-01-01')).toBeUndefined();
  });

  it('reads the range and interval from the URL, falling back to sane ones', () => {
    const q = (text: string) => new URLSearchParams(text);
    expect(rangeFromQuery(q('range=24h'))).toEqual({ kind: 'preset', id: '24h' });
    expect(rangeFromQuery(q('range=bogus'))).toEqual({ kind: 'preset', id: '7d' });
    expect(rangeFromQuery(q('range=custom&from=2026-01-02&to=2026-01-01'))).toEqual({
      kind: 'preset',
      id: '7d',
    });
    expect(intervalFromQuery(q('interval=minute'), { kind: 'preset', id: '24h' })).toBe('minute');
    // A minute timeline of 30 days is over the API's bucket cap: the default replaces it.
    expect(intervalFromQuery(q('interval=minute'), { kind: 'preset', id: '30d' })).toBe('day');
  });
});
