import { describe, expect, it } from 'vitest';
import { jsonLine, serializeRows } from './serialize.ts';
import type { EventRow } from './types.ts';

const row: EventRow = {
  app_id: '0190c1c8-8f4c-7cc3-9a5e-6c1a2b3c4d5e',
  event_id: '0190c1c8-8f4c-7cc3-9a5e-6c1a2b3c4d5f',
  event_type: 'pageview',
  name: 'Home',
  ts: '2026-11-21 10:00:00.123',
  received_at: '2026-11-21 10:00:01.000',
  user_id: 'u1',
  anonymous_id: 'a1',
  session_id: 's1',
  url: 'https://example.com/?a=1&b=2',
  host: 'example.com',
  path: '/',
  referrer: '',
  referrer_domain: '',
  utm_source: '',
  utm_medium: '',
  utm_campaign: '',
  utm_term: '',
  utm_content: '',
  title: 'Home – Example 😀',
  browser: 'Chrome',
  browser_version: '120',
  os: 'Windows',
  os_version: '10',
  device_type: 'desktop',
  device_vendor: '',
  device_model: '',
  screen_width: 1920,
  screen_height: 1080,
  locale: 'en-US',
  country: 'DE',
  properties: '{"plan":"pro","nested":{"q":"\\"quoted\\""}}',
  retention_days: 365,
};

describe('events rows', () => {
  it.each<[string, Partial<EventRow>]>([
    ['plain text', {}],
    ['quotes and backslashes', { title: 'say "hi" \\ bye', name: '\\' }],
    ['control characters', { title: 'tab\there\nnew line \u0000 \u001f', user_id: '\r' }],
    ['unicode line separators', { title: 'a\u2028b\u2029c' }],
    ['an empty properties object', { properties: '{}' }],
  ])('round-trip through one JSON line: %s', (_name, fields) => {
    const tricky = { ...row, ...fields };
    const line = jsonLine(tricky);
    expect(line.endsWith('}\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual(tricky);
  });

  it('never writes a lone-surrogate escape (ClickHouse refuses them)', () => {
    const line = jsonLine({
      ...row,
      title: 'x\ud800y',
      properties: '{"a":"\ud800"}',
      user_id: '"\udc00"',
    });
    expect(line).not.toMatch(/\\ud[89a-f]/i);
    const stored = Buffer.from(line, 'utf8').toString('utf8');
    expect(JSON.parse(stored)).toMatchObject({
      title: 'x\ufffdy',
      properties: '{"a":"\ufffd"}',
      user_id: '"\ufffd"',
    });
  });
});

describe('serializeRows / jsonLine', () => {
  it('writes one JSON object per line, each ending in a newline', () => {
    const rows = [{ a: 1 }, { b: 'two' }, { c: [3] }];
    expect(serializeRows(rows)).toBe('{"a":1}\n{"b":"two"}\n{"c":[3]}\n');
    expect(serializeRows([])).toBe('');
  });

  it.each<[string, object, string]>([
    ['a lone surrogate', { s: 'a\udc00b' }, '{"s":"a\\ufffdb"}\n'],
    ['a valid pair stays', { s: '😀' }, '{"s":"😀"}\n'],
    ['an escaped backslash before "ud" is left alone', { s: '\\ud800' }, '{"s":"\\\\ud800"}\n'],
    ['a backslash then a lone surrogate', { s: '\\\ud800' }, '{"s":"\\\\\\ufffd"}\n'],
  ])('never writes a lone-surrogate escape: %s', (_name, value, line) => {
    expect(jsonLine(value)).toBe(line);
  });
});
