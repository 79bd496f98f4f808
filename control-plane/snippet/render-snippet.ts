// Renders the tracking snippet: pure, deterministic, and safe whatever the config holds.
//
// Shape (the contract with the browser SDK served by the ingest edge at /sdk/v1.js):
//
//   <!-- clickstream tracker ... -->
//   <script type="application/json" id="clickstream-config">{...}</script>
//   <script async src="<ingest>/sdk/v1.js" data-config="clickstream-config"></script>
//
// The config travels as a JSON data block, not as inline JavaScript: browsers never execute it,
// so the snippet works on sites whose CSP forbids inline scripts (they only need to allow the
// ingest origin), and a hostile value can at worst be bad data, never code. The SDK reads it
// with JSON.parse(document.getElementById(currentScript.dataset.config).textContent).
import { DEFAULT_SCROLL_THRESHOLDS, type MetricType, type Track } from '../metric-configs/index.ts';

export const SDK_PATH = '/sdk/v1.js';
export const CONFIG_ELEMENT_ID = 'clickstream-config';
/** What the snippet holds instead of a key the server cannot reveal (see browser-key.ts). */
export const BROWSER_KEY_PLACEHOLDER = 'REPLACE_WITH_BROWSER_KEY';

export interface TrackerMetric {
  name: string;
  type: MetricType;
  labelNames: string[];
  /** Histograms only. */
  buckets?: number[];
  track: Track;
}

/** What the SDK is configured with; serialized with sorted keys, metrics sorted by name. */
export interface TrackerConfig {
  apiKey: string;
  ingestUrl: string;
  respectDnt: boolean;
  metrics: TrackerMetric[];
}

export interface SnippetInput {
  /** The raw browser key, or null when the server holds no copy of it. */
  browserKey: string | null;
  /** Shown in the placeholder hint so the owner knows which saved key to paste. */
  browserKeyDisplay: string;
  publicIngestUrl: string;
  respectDnt: boolean;
  metrics: readonly {
    name: string;
    type: MetricType;
    labelNames: readonly string[];
    buckets: readonly number[] | null;
    track: Track;
  }[];
}

export function buildTrackerConfig(input: SnippetInput): TrackerConfig {
  const metrics = [...input.metrics]
    // Code-unit order, independent of any database collation.
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(
      (metric): TrackerMetric => ({
        name: metric.name,
        type: metric.type,
        labelNames: [...metric.labelNames],
        ...(metric.type === 'histogram' && metric.buckets ? { buckets: [...metric.buckets] } : {}),
        track: {
          ...metric.track,
          // `true` is resolved here so the SDK never has to agree with us on a default.
          scrollDepth:
            metric.track.scrollDepth === true ? [...DEFAULT_SCROLL_THRESHOLDS] : metric.track.scrollDepth,
        },
      }),
    );
  // Help text stays out on purpose: the tracker has no use for it and every page would carry it.
  return {
    apiKey: input.browserKey ?? BROWSER_KEY_PLACEHOLDER,
    ingestUrl: trimTrailingSlashes(input.publicIngestUrl),
    respectDnt: input.respectDnt,
    metrics,
  };
}

export function renderSnippet(input: SnippetInput): { html: string; config: TrackerConfig } {
  const config = buildTrackerConfig(input);
  const sdkUrl = `${config.ingestUrl}${SDK_PATH}`;
  const hint =
    input.browserKey === null
      ? `<!-- Replace ${BROWSER_KEY_PLACEHOLDER} with your browser key ${commentSafe(input.browserKeyDisplay)} ` +
        '(shown once, when it was created). -->\n'
      : '';
  const html =
    '<!-- clickstream tracker: paste into every page, ideally inside <head> -->\n' +
    hint +
    `<script type="application/json" id="${escapeHtmlAttribute(CONFIG_ELEMENT_ID)}">` +
    `${jsonForScript(config)}</script>\n` +
    `<script async src="${escapeHtmlAttribute(sdkUrl)}" ` +
    `data-config="${escapeHtmlAttribute(CONFIG_ELEMENT_ID)}"></script>\n`;
  return { html, config };
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  });
}

const SCRIPT_JSON_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * Canonical JSON that is inert inside a <script> element: with `<` escaped no `</script>` or
 * `<!--` can end or confuse the element, `>` and `&` are escaped for the same reason in older
 * parsers, and U+2028/U+2029 are escaped because pre-ES2019 engines treat them as line breaks.
 * These characters only ever occur inside JSON strings, where \uXXXX means the same character.
 */
export function jsonForScript(value: unknown): string {
  return canonicalJson(value).replace(/[<>&\u2028\u2029]/g, (char) => SCRIPT_JSON_ESCAPES[char] ?? char);
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '"': '&quot;',
  "'": '&#39;',
  '<': '&lt;',
  '>': '&gt;',
  // Harmless to HTML, but invisible line breaks that editors and template engines mangle.
  '\u2028': '&#x2028;',
  '\u2029': '&#x2029;',
};

/** Safe inside a quoted attribute value (either quote), and in text content. */
export function escapeHtmlAttribute(value: string): string {
  return value.replace(/[&"'<>\u2028\u2029]/g, (char) => HTML_ESCAPES[char] ?? char);
}

/** Key displays are `cs_pk_AbCd…wxyz`; anything else is dropped so a comment cannot be closed. */
function commentSafe(value: string): string {
  return value.replace(/[^A-Za-z0-9_…]/g, '');
}

function trimTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}
