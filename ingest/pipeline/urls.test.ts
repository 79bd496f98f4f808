import { describe, expect, it } from 'vitest';
import { campaignFromQuery, MAX_UTM_VALUE_LENGTH, NO_CAMPAIGN, referrerDomain, splitUrl } from './urls.ts';

describe('splitUrl', () => {
  it.each<[string, { host: string; path: string; query: string }]>([
    ['https://shop.example.com/a/b?x=1#top', { host: 'shop.example.com', path: '/a/b', query: 'x=1' }],
    ['https://shop.example.com', { host: 'shop.example.com', path: '/', query: '' }],
    ['https://shop.example.com?x=1', { host: 'shop.example.com', path: '/', query: 'x=1' }],
    ['https://shop.example.com#/spa/route?not=query', { host: 'shop.example.com', path: '/', query: '' }],
    ['HTTPS://Shop.EXAMPLE.com:8443/Path/Kept', { host: 'shop.example.com', path: '/Path/Kept', query: '' }],
    ['https://user:secret@example.com/x', { host: 'example.com', path: '/x', query: '' }],
    ['http://[::1]:3000/dev', { host: '[::1]', path: '/dev', query: '' }],
    ['http://localhost:3000/', { host: 'localhost', path: '/', query: '' }],
    ['https://example.com/a%20b?q=%E2%9C%93', { host: 'example.com', path: '/a%20b', query: 'q=%E2%9C%93' }],
    ['android-app://com.google.android.gm/', { host: 'com.google.android.gm', path: '/', query: '' }],
    ['/relative/path?utm_source=x', { host: '', path: '/relative/path', query: 'utm_source=x' }],
    ['', { host: '', path: '', query: '' }],
    ['not a url', { host: '', path: 'not a url', query: '' }],
    ['javascript:alert(1)', { host: '', path: 'javascript:alert(1)', query: '' }],
  ])('%s', (url, parts) => {
    expect(splitUrl(url)).toEqual(parts);
  });

  it('gives the same answer for a repeated origin as for a new one (origins are cached)', () => {
    const urls = [
      'https://a.example/x',
      'https://a.example.evil.test/y',
      'https://a.example?q',
      'https://b.example/',
      'https://a.example',
      'https://c.example/1',
      'https://d.example/2',
      'https://e.example/3',
      'https://a.example/again',
    ];
    expect(urls.map(splitUrl).map((parts) => parts.host)).toEqual([
      'a.example',
      'a.example.evil.test',
      'a.example',
      'b.example',
      'a.example',
      'c.example',
      'd.example',
      'e.example',
      'a.example',
    ]);
  });
});

describe('referrerDomain', () => {
  it.each<[string, string]>([
    ['https://www.google.com/search?q=shoes', 'google.com'],
    ['https://news.ycombinator.com/item?id=1', 'news.ycombinator.com'],
    ['https://WWW.Example.COM', 'example.com'],
    ['android-app://com.google.android.gm/', 'com.google.android.gm'],
    ['', ''],
    ['garbage', ''],
  ])('%s -> %s', (referrer, domain) => {
    expect(referrerDomain(referrer)).toBe(domain);
  });
});

describe('campaignFromQuery', () => {
  it.each<[string, Partial<typeof NO_CAMPAIGN>]>([
    [
      'utm_source=google&utm_medium=cpc&utm_campaign=spring&utm_term=running+shoes&utm_content=ad%201',
      { source: 'google', medium: 'cpc', campaign: 'spring', term: 'running shoes', content: 'ad 1' },
    ],
    ['x=1&utm_source=newsletter', { source: 'newsletter' }],
    ['utm_source=first&utm_source=second', { source: 'first' }],
    ['utm_source=%E0%A4%A', { source: '%E0%A4%A' }],
    ['q=utm_source%3Dx&ref=utm_source=y', {}],
    ['utm_sources=x&utm_=y&utm_medium', {}],
    ['id=1', {}],
    ['', {}],
  ])('%s', (query, fields) => {
    expect(campaignFromQuery(query)).toEqual({ ...NO_CAMPAIGN, ...fields });
  });

  it('cuts values at MAX_UTM_VALUE_LENGTH', () => {
    expect(campaignFromQuery(`utm_campaign=${'x'.repeat(1000)}`).campaign).toBe(
      'x'.repeat(MAX_UTM_VALUE_LENGTH),
    );
  });
});
