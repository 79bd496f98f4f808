import { describe, expect, it } from 'vitest';
import { parseSnippet } from './parse-snippet.ts';
import {
  BROWSER_KEY_PLACEHOLDER,
  jsonForScript,
  renderSnippet,
  type SnippetInput,
} from './render-snippet.ts';

const KEY = 'cs_pk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA000000';
const noTracking = {
  pageViews: false,
  clicks: [],
  scrollDepth: false,
  formSubmissions: false,
  customEvents: [],
};

const fixed: SnippetInput = {
  browserKey: KEY,
  browserKeyDisplay: 'cs_pk_AAAA…0000',
  publicIngestUrl: 'https://ingest.example.com/',
  respectDnt: true,
  metrics: [
    {
      name: 'signups_total',
      type: 'counter',
      labelNames: ['plan'],
      buckets: null,
      track: { ...noTracking, clicks: ['button.signup'], formSubmissions: ['#signup'] },
    },
    {
      name: 'load_seconds',
      type: 'histogram',
      labelNames: [],
      buckets: [0.5, 1, 2],
      track: { ...noTracking, pageViews: true, scrollDepth: [50, 100], customEvents: ['app:ready'] },
    },
  ],
};

describe('renderSnippet', () => {
  it('renders exactly this for a fixed config', () => {
    expect(renderSnippet(fixed).html).toBe(
      '<!-- clickstream tracker: paste into every page, ideally inside <head> -->\n' +
        '<script type="application/json" id="clickstream-config">' +
        `{"apiKey":"${KEY}","ingestUrl":"https://ingest.example.com","metrics":[` +
        '{"buckets":[0.5,1,2],"labelNames":[],"name":"load_seconds","track":{"clicks":[],' +
        '"customEvents":["app:ready"],"formSubmissions":false,"pageViews":true,"scrollDepth":[50,100]},' +
        '"type":"histogram"},' +
        '{"labelNames":["plan"],"name":"signups_total","track":{"clicks":["button.signup"],"customEvents":[],' +
        '"formSubmissions":["#signup"],"pageViews":false,"scrollDepth":false},"type":"counter"}],' +
        '"respectDnt":true}</script>\n' +
        '<script async src="https://ingest.example.com/sdk/v1.js" data-config="clickstream-config"></script>\n',
    );
  });

  it('is deterministic: same config in any order and key order gives the same bytes', () => {
    const shuffled: SnippetInput = {
      publicIngestUrl: fixed.publicIngestUrl,
      metrics: [...fixed.metrics].reverse().map((metric) => ({
        track: {
          scrollDepth: metric.track.scrollDepth,
          customEvents: metric.track.customEvents,
          pageViews: metric.track.pageViews,
          formSubmissions: metric.track.formSubmissions,
          clicks: metric.track.clicks,
        },
        buckets: metric.buckets,
        labelNames: metric.labelNames,
        type: metric.type,
        name: metric.name,
      })),
      respectDnt: fixed.respectDnt,
      browserKeyDisplay: fixed.browserKeyDisplay,
      browserKey: fixed.browserKey,
    };
    const first = renderSnippet(fixed).html;
    expect(renderSnippet(shuffled).html).toBe(first);
    expect(renderSnippet(fixed).html).toBe(first);
  });

  it('round-trips the config through what the browser parses', () => {
    const { html, config } = renderSnippet(fixed);
    const parsed = parseSnippet(html);
    expect(parsed.config).toEqual(config);
    expect(parsed.src).toBe('https://ingest.example.com/sdk/v1.js');
  });

  it('resolves scrollDepth: true to the default thresholds', () => {
    const [metric] = renderSnippet({
      ...fixed,
      metrics: [
        {
          name: 'depth',
          type: 'gauge',
          labelNames: [],
          buckets: null,
          track: { ...noTracking, scrollDepth: true },
        },
      ],
    }).config.metrics;
    expect(metric?.track.scrollDepth).toEqual([25, 50, 75, 100]);
  });

  it('marks a key it cannot reveal with a placeholder and a hint', () => {
    const { html, config } = renderSnippet({ ...fixed, browserKey: null });
    expect(config.apiKey).toBe(BROWSER_KEY_PLACEHOLDER);
    expect(html).toContain(
      `<!-- Replace ${BROWSER_KEY_PLACEHOLDER} with your browser key cs_pk_AAAA…0000 (shown once, when it was created). -->`,
    );
    expect(html).not.toContain(KEY);
  });

  describe('hostile values', () => {
    const payloads = [
      '</script><script>alert(1)</script>',
      '</SCRIPT ><script>alert(1)</script>',
      '<!--',
      '<!-- <script>',
      `"quoted" 'single' \`tick\``,
      'line\u2028separator\u2029paragraph',
      '&lt;already-escaped&gt; & ampersand',
      ']]> --> */ \\ backslash',
    ];
    const hostile: SnippetInput = {
      browserKey: null,
      browserKeyDisplay: '--><script>alert(1)</script><!--',
      publicIngestUrl: `https://ingest.example.com/x"><script>alert(1)</script>'&<!--\u2028`,
      respectDnt: false,
      metrics: payloads.map((payload, index) => ({
        name: `${payload}_${index}`,
        type: index % 2 === 0 ? 'histogram' : 'counter',
        labelNames: [payload],
        buckets: [1, 2],
        track: {
          ...noTracking,
          clicks: [payload, `a[title="${payload}"]`],
          formSubmissions: [payload],
          customEvents: [payload],
        },
      })),
    };

    it('never appear raw, and the embedded JSON round-trips to the original values', () => {
      const { html, config } = renderSnippet(hostile);
      const [header, hint, ...scripts] = html.split('\n');
      expect(header).toBe('<!-- clickstream tracker: paste into every page, ideally inside <head> -->');
      expect(hint).toBe(
        `<!-- Replace ${BROWSER_KEY_PLACEHOLDER} with your browser key scriptalert1script (shown once, when it was created). -->`,
      );
      for (const payload of payloads) expect(scripts.join('\n')).not.toContain(payload);
      expect(html).not.toMatch(/[\u2028\u2029]/);
      expect(html.match(/<script/gi)).toHaveLength(2);
      expect(html.match(/<\/script/gi)).toHaveLength(2);
      expect(html.match(/<!--/g)).toHaveLength(2); // the header and the placeholder hint only
      expect(html.match(/-->/g)).toHaveLength(2);

      const parsed = parseSnippet(html);
      expect(parsed.configText).not.toMatch(/[<>&]/);
      expect(parsed.config).toEqual(config);
      const metrics = (
        parsed.config as { metrics: { name: string; labelNames: string[]; track: { clicks: string[] } }[] }
      ).metrics;
      expect(metrics.map((metric) => metric.labelNames[0]).sort()).toEqual([...payloads].sort());
      expect(metrics.flatMap((metric) => metric.track.clicks)).toEqual(
        expect.arrayContaining(payloads.map((payload) => `a[title="${payload}"]`)),
      );
      expect(parsed.src).toBe(`${hostile.publicIngestUrl}/sdk/v1.js`);
      expect((parsed.config as { ingestUrl: string }).ingestUrl).toBe(hostile.publicIngestUrl);
    });
  });
});

describe('jsonForScript', () => {
  it.each([
    ['<', '"\\u003c"'],
    ['>', '"\\u003e"'],
    ['&', '"\\u0026"'],
    ['\u2028', '"\\u2028"'],
    ['\u2029', '"\\u2029"'],
    ['</script>', '"\\u003c/script\\u003e"'],
  ])('escapes %j', (input, expected) => {
    expect(jsonForScript(input)).toBe(expected);
    expect(JSON.parse(jsonForScript(input))).toBe(input);
  });

  it('sorts object keys at every level', () => {
    expect(jsonForScript({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}',
    );
  });
});
