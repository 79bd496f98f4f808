import { describe, expect, it } from 'vitest';
import { type DeviceInfo, describeUserAgent, MAX_USER_AGENT_LENGTH, UserAgentCache } from './user-agent.ts';

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1';
const FIREFOX_ANDROID = 'Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const GOOGLEBOT_SMARTPHONE =
  'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const SAFARI_IPAD =
  'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1';
const SAFARI_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15';
const CUBOT_PHONE =
  'Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Mobile Safari/537.36';

const none: DeviceInfo = {
  browser: '',
  browserVersion: '',
  os: '',
  osVersion: '',
  deviceType: '',
  deviceVendor: '',
  deviceModel: '',
};

describe('describeUserAgent', () => {
  it.each<[string, string, Partial<DeviceInfo>]>([
    [
      'Chrome on Windows (a desktop: ua-parser leaves the type unset)',
      CHROME_WINDOWS,
      { browser: 'Chrome', browserVersion: '120', os: 'Windows', osVersion: '10', deviceType: 'desktop' },
    ],
    [
      'Safari on iPhone',
      SAFARI_IPHONE,
      {
        browser: 'Mobile Safari',
        browserVersion: '17',
        os: 'iOS',
        osVersion: '17.1.2',
        deviceType: 'mobile',
        deviceVendor: 'Apple',
        deviceModel: 'iPhone',
      },
    ],
    [
      'Firefox on Android',
      FIREFOX_ANDROID,
      { browser: 'Firefox', browserVersion: '121', os: 'Android', osVersion: '14', deviceType: 'mobile' },
    ],
    ['Googlebot', GOOGLEBOT, { deviceType: 'bot' }],
    [
      'Googlebot smartphone (a bot, whatever device it imitates)',
      GOOGLEBOT_SMARTPHONE,
      {
        browser: 'Chrome',
        browserVersion: '120',
        os: 'Android',
        osVersion: '6.0.1',
        deviceType: 'bot',
        deviceVendor: 'LG',
        deviceModel: 'Nexus 5',
      },
    ],
    [
      'Safari on iPad',
      SAFARI_IPAD,
      {
        browser: 'Mobile Safari',
        browserVersion: '16',
        os: 'iOS',
        osVersion: '16.6',
        deviceType: 'tablet',
        deviceVendor: 'Apple',
        deviceModel: 'iPad',
      },
    ],
    [
      'Safari on a Mac',
      SAFARI_MAC,
      {
        browser: 'Safari',
        browserVersion: '17',
        os: 'Mac OS',
        osVersion: '10.15.7',
        deviceType: 'desktop',
        deviceVendor: 'Apple',
        deviceModel: 'Macintosh',
      },
    ],
    [
      'a phone whose model contains "bot" is still a phone',
      CUBOT_PHONE,
      {
        browser: 'Chrome',
        browserVersion: '114',
        os: 'Android',
        osVersion: '10',
        deviceType: 'mobile',
        deviceModel: 'CUBOT X30',
      },
    ],
    ['a server library: unknown, not a desktop', 'analytics-node-next/latest', {}],
    ['no user agent', '', {}],
    ['an absurdly long one is not parsed', `Mozilla/5.0 ${'x'.repeat(MAX_USER_AGENT_LENGTH)}`, {}],
  ])('%s', (_name, userAgent, fields) => {
    expect(describeUserAgent(userAgent)).toEqual({ ...none, ...fields });
  });

  it('answers a repeated user agent from the cache with the same result', () => {
    const first = describeUserAgent(SAFARI_IPHONE);
    expect(describeUserAgent(`${SAFARI_IPHONE}`)).toBe(first);
  });
});

describe('UserAgentCache', () => {
  it('never holds more than its capacity', () => {
    const cache = new UserAgentCache(100);
    for (let i = 0; i < 1000; i++) cache.describe(`${CHROME_WINDOWS} build/${i}`);
    expect(cache.size).toBeLessThanOrEqual(100);
  });

  it('keeps a user agent that keeps being asked for', () => {
    const cache = new UserAgentCache(10);
    const hot = cache.describe(SAFARI_IPHONE);
    for (let i = 0; i < 100; i++) {
      cache.describe(`${CHROME_WINDOWS} build/${i}`);
      expect(cache.describe(SAFARI_IPHONE)).toBe(hot);
    }
  });
});
