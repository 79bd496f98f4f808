// Range resolution and zone arithmetic, table-style: what clients write, read in an app's zone
// at a fixed "now", must give these exact UTC instants (or these rejections).
import { describe, expect, it } from 'vitest';
import {
  formatInZone,
  previousPeriod,
  resolveRange,
  startOfUnit,
  unitStarts,
  wholeHourOffsetsThroughout,
} from './index.ts';

// Wednesday 2026-03-11 14:37:21.500 UTC (10:37 in New York, after the DST switch).
const NOW = Date.parse('2026-03-11T14:37:21.500Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('resolveRange', () => {
  it.each([
    [
      '7d in UTC: today and six whole days before',
      { startDate: '7d' },
      'UTC',
      '2026-03-05T00:00:00.000Z',
      '2026-03-12T00:00:00.000Z',
    ],
    [
      '7d in New York, across the DST switch',
      { startDate: '7d' },
      'America/New_York',
      '2026-03-05T05:00:00.000Z',
      '2026-03-12T04:00:00.000Z',
    ],
    ['24h: whole hours', { startDate: '24h' }, 'UTC', '2026-03-10T15:00:00.000Z', '2026-03-11T15:00:00.000Z'],
    [
      '24h in India: local hours start at :30',
      { startDate: '24h' },
      'Asia/Kolkata',
      '2026-03-10T15:30:00.000Z',
      '2026-03-11T15:30:00.000Z',
    ],
    ['30m', { startDate: '30m' }, 'UTC', '2026-03-11T14:08:00.000Z', '2026-03-11T14:38:00.000Z'],
    ['2w = 14 days', { startDate: '2w' }, 'UTC', '2026-02-26T00:00:00.000Z', '2026-03-12T00:00:00.000Z'],
    [
      'dates are whole local days, end inclusive',
      { startDate: '2026-03-01', endDate: '2026-03-08' },
      'America/New_York',
      '2026-03-01T05:00:00.000Z',
      '2026-03-09T04:00:00.000Z',
    ],
    [
      'a date-time without offset is local',
      { startDate: '2026-03-01T09:30', endDate: '2026-03-01T17:00:00' },
      'Europe/Paris',
      '2026-03-01T08:30:00.000Z',
      '2026-03-01T16:00:00.000Z',
    ],
    [
      'a date-time with an offset is exact',
      { startDate: '2026-03-01T09:30:00+02:00', endDate: '2026-03-01T10:00:00.250Z' },
      'UTC',
      '2026-03-01T07:30:00.000Z',
      '2026-03-01T10:00:00.250Z',
    ],
    [
      'an absolute start runs to the end of the current minute',
      { startDate: '2026-03-10' },
      'UTC',
      '2026-03-10T00:00:00.000Z',
      '2026-03-11T14:38:00.000Z',
    ],
    ['no startDate is the default 7d', {}, 'UTC', '2026-03-05T00:00:00.000Z', '2026-03-12T00:00:00.000Z'],
  ])('%s', (_label, input, zone, from, to) => {
    const result = resolveRange(input, zone, NOW);
    expect(result.ok && { from: iso(result.value.from), to: iso(result.value.to) }).toEqual({ from, to });
  });

  it.each([
    [{ startDate: '2026-02-30' }, 'invalid_range'],
    [{ startDate: '2026-03-01T25:00' }, 'invalid_range'],
    [{ startDate: '7d', endDate: '2026-03-01' }, 'invalid_range'],
    [{ startDate: '2026-03-05', endDate: '2026-03-01' }, 'invalid_range'],
    [{ startDate: '2026-03-05', endDate: '3d' }, 'invalid_range'],
    [{ startDate: '0d' }, 'invalid_range'],
    [{ startDate: '400d' }, 'range_too_large'],
    [{ startDate: '2024-01-01', endDate: '2026-01-01' }, 'range_too_large'],
    [{ startDate: '1969-12-31', endDate: '1970-01-02' }, 'range_out_of_bounds'],
    [{ startDate: "2026-03-01' OR 1=1" }, 'invalid_range'],
  ])('rejects %j with %s', (input, code) => {
    const result = resolveRange(input, 'UTC', NOW);
    expect(result.ok ? 'ok' : result.code).toBe(code);
  });

  it('gives the previous period of the same length', () => {
    const range = { from: Date.UTC(2026, 2, 8), to: Date.UTC(2026, 2, 15), timeZone: 'UTC' };
    expect(previousPeriod(range)).toEqual({
      from: Date.UTC(2026, 2, 1),
      to: Date.UTC(2026, 2, 8),
      timeZone: 'UTC',
    });
  });
});

describe('zone arithmetic', () => {
  it.each([
    ['hour in India', '2026-03-11T14:37:00Z', 'hour', 'Asia/Kolkata', '2026-03-11T14:30:00.000Z'],
    ['hour in Nepal (+05:45)', '2026-03-11T14:37:00Z', 'hour', 'Asia/Kathmandu', '2026-03-11T14:15:00.000Z'],
    ['day in New York', '2026-03-11T03:00:00Z', 'day', 'America/New_York', '2026-03-10T04:00:00.000Z'],
    ['week from Monday', '2026-03-15T12:00:00Z', 'week', 'UTC', '2026-03-09T00:00:00.000Z'],
    ['month in Tokyo', '2026-02-28T16:00:00Z', 'month', 'Asia/Tokyo', '2026-02-28T15:00:00.000Z'],
  ] as const)('start of the %s', (_label, at, unit, zone, start) => {
    expect(iso(startOfUnit(Date.parse(at), unit, zone))).toBe(start);
  });

  it('steps over DST changes by local units', () => {
    const hours = unitStarts(
      Date.parse('2026-11-01T04:00:00Z'),
      Date.parse('2026-11-02T05:00:00Z'),
      'hour',
      'America/New_York',
    );
    expect(hours).toHaveLength(25);
    const days = unitStarts(
      Date.parse('2026-03-07T05:00:00Z'),
      Date.parse('2026-03-10T04:00:00Z'),
      'day',
      'America/New_York',
    );
    expect(days.map(iso)).toEqual([
      '2026-03-07T05:00:00.000Z',
      '2026-03-08T05:00:00.000Z',
      '2026-03-09T04:00:00.000Z',
    ]);
  });

  it('formats instants with the local offset', () => {
    expect(formatInZone(Date.parse('2026-03-08T06:59:59.999Z'), 'America/New_York')).toBe(
      '2026-03-08T01:59:59.999-05:00',
    );
    expect(formatInZone(Date.parse('2026-03-08T07:00:00Z'), 'America/New_York')).toBe(
      '2026-03-08T03:00:00.000-04:00',
    );
    expect(formatInZone(Date.parse('2026-03-08T07:00:00Z'), 'Asia/Kathmandu')).toBe(
      '2026-03-08T12:45:00.000+05:45',
    );
    expect(formatInZone(Date.parse('2026-03-08T07:00:00Z'), 'UTC')).toBe('2026-03-08T07:00:00.000+00:00');
  });

  it('knows which zones keep whole-hour offsets and which sit at UTC', () => {
    const [from, to] = [Date.UTC(2026, 0, 1), Date.UTC(2026, 11, 31)];
    expect(wholeHourOffsetsThroughout(from, to, 'America/New_York')).toBe(true);
    expect(wholeHourOffsetsThroughout(from, to, 'Asia/Kolkata')).toBe(false);
    // Lord Howe Island is +10:30 in winter and shifts by half an hour for summer.
    expect(wholeHourOffsetsThroughout(from, to, 'Australia/Lord_Howe')).toBe(false);
  });
});
