import { describe, expect, it } from 'vitest';
import {
  BROWSER_KEY_PLACEHOLDER,
  CONFIG_ELEMENT_ID,
  renderSnippet,
} from '../../../control-plane/snippet/render-snippet.ts';
import * as edge from '../../pipeline/schemas.ts';
import { DEFAULT_CONFIG_ID, KEY_PLACEHOLDER, readConfig, scrollThresholds, stringList } from './config.ts';
import { MAX_ID_LENGTH, MAX_NAME_LENGTH, MAX_TITLE_LENGTH, MAX_URL_LENGTH } from './tracker.ts';

const KEY = 'cs_pk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA000000';

describe('the contract with the snippet and the edge', () => {
  it('agrees on the placeholder key and the config element', () => {
    expect(KEY_PLACEHOLDER).toBe(BROWSER_KEY_PLACEHOLDER);
    expect(DEFAULT_CONFIG_ID).toBe(CONFIG_ELEMENT_ID);
  });

  it('clips fields to the lengths the edge accepts', () => {
    expect([MAX_NAME_LENGTH, MAX_ID_LENGTH, MAX_URL_LENGTH, MAX_TITLE_LENGTH]).toEqual([
      edge.MAX_NAME_LENGTH,
      edge.MAX_ID_LENGTH,
      edge.MAX_URL_LENGTH,
      edge.MAX_TITLE_LENGTH,
    ]);
  });

  it('reads what renderSnippet writes', () => {
    const { config } = renderSnippet({
      browserKey: KEY,
      browserKeyDisplay: 'cs_pk_AAAA…0000',
      publicIngestUrl: 'https://ingest.example.com/',
      respectDnt: false,
      metrics: [
        {
          name: 'depth',
          type: 'gauge',
          labelNames: ['path'],
          buckets: null,
          track: {
            pageViews: false,
            clicks: ['a.buy'],
            scrollDepth: true,
            formSubmissions: true,
            customEvents: [],
          },
        },
      ],
    });
    expect(readConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
  });
});

describe('readConfig', () => {
  const base = { apiKey: KEY, ingestUrl: 'https://ingest.example.com', respectDnt: true, metrics: [] };

  it.each([
    ['not an object', 'text'],
    ['null', null],
    ['no key', { ...base, apiKey: undefined }],
    ['an empty key', { ...base, apiKey: '' }],
    ['the placeholder key', { ...base, apiKey: BROWSER_KEY_PLACEHOLDER }],
    ['no ingest URL', { ...base, ingestUrl: 42 }],
  ])('refuses %s (nothing will be sent)', (_case, raw) => {
    expect(readConfig(raw)).toBeUndefined();
  });

  it('trims trailing slashes and defaults to respecting Do Not Track', () => {
    expect(readConfig({ apiKey: KEY, ingestUrl: 'https://i.example.com//' })).toEqual({
      apiKey: KEY,
      ingestUrl: 'https://i.example.com',
      respectDnt: true,
      metrics: [],
    });
    expect(readConfig({ ...base, respectDnt: false })?.respectDnt).toBe(false);
  });

  it('drops metrics it cannot use', () => {
    const good = { name: 'm', type: 'counter', labelNames: [], track: {} };
    expect(
      readConfig({ ...base, metrics: [null, 'x', { name: 1, track: {} }, { name: 'n' }, good] })?.metrics,
    ).toEqual([good]);
    expect(readConfig({ ...base, metrics: 'all' })?.metrics).toEqual([]);
  });
});

describe('config lists', () => {
  it.each([
    [undefined, []],
    [false, []],
    [true, []],
    [
      ['a', 1, null, 'b'],
      ['a', 'b'],
    ],
  ])('stringList(%j) -> %j', (value, expected) => {
    expect(stringList(value)).toEqual(expected);
  });

  it('treats scrollDepth true as unresolved (the server resolves it)', () => {
    expect(scrollThresholds(true)).toEqual([]);
    expect(scrollThresholds([25, '50', 75])).toEqual([25, 75]);
  });
});
