import { describe, expect, it } from 'vitest';
import {
  eventTime,
  formatDateTime64,
  MAX_EVENT_AGE_MS,
  MAX_EVENT_LEAD_MS,
  parseIsoTimestamp,
  readTimestamp,
} from './time.ts';

const at = (iso: string) => Date.parse(iso);

describe('parseIsoTimestamp', () => {
  it.each<[string, string]>([
    ['2026-11-21T10:00:00.123Z', '2026-11-21T10:00:00.123Z'],
    ['2026-11-21T10:00:00Z', '2026-11-21T10:00:00.000Z'],
    ['2026-11-21t10:00:00z', '2026-11-21T10:00:00.000Z'],
    ['2026-11-21 10:00:00.5', '2026-11-21T10:00:00.500Z'],
    ['2026-11-21T10:00:00.12Z', '2026-11-21T10:00:00.120Z'],
    ['2026-11-21T10:00:00.123456789Z', '2026-11-21T10:00:00.123Z'],
    ['2026-11-21T10:00:00,250Z', '2026-11-21T10:00:00.250Z'],
    ['2026-11-21T10:00Z', '2026-11-21T10:00:00.000Z'],
    ['2026-11-21T10:00:00+02:00', '2026-11-21T08:00:00.000Z'],
    ['2026-11-21T10:00:00-0530', '2026-11-21T15:30:00.000Z'],
    ['2026-11-21T10:00:00+01', '2026-11-21T09:00:00.000Z'],
    // No zone is UTC, whatever the server's time zone.
    ['2026-11-21T10:00:00', '2026-11-21T10:00:00.000Z'],
    ['2026-11-21', '2026-11-21T00:00:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00.000Z'],
  ])('%s', (text, iso) => {
    expect(parseIsoTimestamp(text)).toBe(at(iso));
  });

  it.each([
    '',
    'yesterday',
    '1700000000000',
    '2026-11-21T',
    '2026-11-21T10',
    '2026-13-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2026-11-21T24:00:00Z',
    '2026-11-21T10:60:00Z',
    '2026-11-21T10:00:00.Z',
    '2026-11-21T10:00:00+25:00',
    '2026-11-21T10:00:00 Z',
    '2026-11-21T10:00:00Zjunk',
    '26-11-21T10:00:00Z',
    '2026/11/21T10:00:00Z',
    `2026-11-21T10:00:00.${'1'.repeat(40)}Z`,
  ])('refuses %j', (text) => {
    expect(parseIsoTimestamp(text)).toBeNaN();
  });

  it('answers repeated and alternating inputs correctly (it remembers recent answers)', () => {
    const a = '2026-11-21T10:00:00.000Z';
    const b = '2026-11-21T11:00:00.000Z';
    const c = '2026-11-21T12:00:00.000Z';
    for (const text of [a, b, a, c, b, c, a, 'nope', a]) {
      expect(parseIsoTimestamp(text)).toBe(text === 'nope' ? Number.NaN : at(text));
    }
  });
});

describe('readTimestamp', () => {
  it.each<[unknown, number]>([
    [1_795_000_000_123, 1_795_000_000_123],
    [1_795_000_000_123.9, 1_795_000_000_123],
    [0, 0],
    ['2026-11-21T10:00:00.123Z', at('2026-11-21T10:00:00.123Z')],
    [-1, Number.NaN],
    [Number.POSITIVE_INFINITY, Number.NaN],
    [1e20, Number.NaN],
    [undefined, Number.NaN],
    [null, Number.NaN],
    [true, Number.NaN],
  ])('%j', (value, expected) => {
    expect(readTimestamp(value)).toBe(expected);
  });
});

describe('eventTime', () => {
  const receivedAt = at('2026-11-21T10:00:00.000Z');

  it.each<[string, number, number, number]>([
    ['no client time: the receive time', Number.NaN, Number.NaN, receivedAt],
    ['no client time but a sentAt: still the receive time', Number.NaN, receivedAt - 5_000, receivedAt],
    ['a timestamp without sentAt is trusted', receivedAt - 60_000, Number.NaN, receivedAt - 60_000],
    // The client clock is 2 hours behind: it stamped 07:59:50 and sent at 08:00:00 (its time).
    ['skew corrected', receivedAt - 7_200_010_000, receivedAt - 7_200_000_000, receivedAt - 10_000],
    // The client clock is 3 minutes ahead.
    ['a fast clock corrected', receivedAt + 170_000, receivedAt + 180_000, receivedAt - 10_000],
    [
      'too old: clamped to the oldest allowed',
      receivedAt - 400 * 86_400_000,
      Number.NaN,
      receivedAt - MAX_EVENT_AGE_MS,
    ],
    [
      'in the future: clamped to the latest allowed',
      receivedAt + 3_600_000,
      Number.NaN,
      receivedAt + MAX_EVENT_LEAD_MS,
    ],
    ['within a minute ahead is kept', receivedAt + 30_000, Number.NaN, receivedAt + 30_000],
    ['a wild sentAt cannot push it out of the window', receivedAt, 0, receivedAt + MAX_EVENT_LEAD_MS],
  ])('%s', (_name, timestamp, sentAt, expected) => {
    expect(eventTime(timestamp, sentAt, receivedAt)).toBe(expected);
  });
});

describe('formatDateTime64', () => {
  it.each<[number, string]>([
    [at('2026-11-21T10:00:00.123Z'), '2026-11-21 10:00:00.123'],
    [at('2026-11-21T10:00:00.007Z'), '2026-11-21 10:00:00.007'],
    [at('2026-11-21T10:00:00.070Z'), '2026-11-21 10:00:00.070'],
    [at('2026-11-21T10:00:00.000Z'), '2026-11-21 10:00:00.000'],
    [at('2026-11-21T10:00:00.000Z') + 0.9, '2026-11-21 10:00:00.000'],
    [at('1999-12-31T23:59:59.999Z'), '1999-12-31 23:59:59.999'],
    [0, '1970-01-01 00:00:00.000'],
  ])('%d', (ms, text) => {
    expect(formatDateTime64(ms)).toBe(text);
  });

  it('stays right when two values alternate (it remembers recent answers)', () => {
    const [a, b, c] = [
      '2026-11-21T10:00:00.001Z',
      '2026-11-21T10:00:00.002Z',
      '2026-11-21T11:00:00.003Z',
    ].map(at);
    for (const ms of [a, b, a, c, a, b, c, c, a] as number[]) {
      expect(formatDateTime64(ms)).toBe(new Date(ms).toISOString().replace('T', ' ').replace('Z', ''));
    }
  });

  it('stays right across many seconds (it caches per second)', () => {
    const start = at('2026-11-21T10:00:00.000Z');
    for (let ms = start - 40_000; ms < start + 40_000; ms += 997) {
      expect(formatDateTime64(ms)).toBe(new Date(ms).toISOString().replace('T', ' ').replace('Z', ''));
    }
  });
});
