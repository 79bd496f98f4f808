// Test helper: reads a rendered snippet back the way an HTML parser would, so tests can check
// that what the browser sees is exactly what was meant, and nothing more.
import { expect } from 'vitest';

export interface ParsedSnippet {
  /** JSON.parse of the config block's text, as the SDK reads it. */
  config: unknown;
  /** The loader's src attribute, entity-decoded. */
  src: string;
  /** The text between <script ...> and </script> of the config block. */
  configText: string;
}

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  quot: '"',
  '#39': "'",
  lt: '<',
  gt: '>',
  '#x2028': '\u2028',
  '#x2029': '\u2029',
};

/**
 * Script data ends at the first `</script` (any case), whatever precedes it; so the two script
 * elements are found exactly as a browser would find them, and anything else is a failure.
 */
export function parseSnippet(html: string): ParsedSnippet {
  const openings = [...html.matchAll(/<script\b([^>]*)>/gi)];
  expect(openings).toHaveLength(2);
  const [configOpen, loaderOpen] = openings as [RegExpExecArray, RegExpExecArray];
  expect(configOpen[1]).toBe(' type="application/json" id="clickstream-config"');

  const configStart = (configOpen.index ?? 0) + configOpen[0].length;
  const configEnd = html.slice(configStart).search(/<\/script/i) + configStart;
  const configText = html.slice(configStart, configEnd);
  expect(html.slice(configEnd, configEnd + '</script>'.length)).toBe('</script>');
  // The loader must start right after the config block's end: nothing was smuggled between.
  expect(loaderOpen.index).toBe(configEnd + '</script>\n'.length);

  const attributes = Object.fromEntries(
    [...(loaderOpen[1] ?? '').matchAll(/\s([a-z-]+)(?:="([^"]*)")?/g)].map((match) => [
      match[1],
      match[2] ?? '',
    ]),
  );
  expect(Object.keys(attributes)).toEqual(['async', 'src', 'data-config']);
  const src = (attributes.src ?? '').replace(
    /&(amp|quot|#39|lt|gt|#x2028|#x2029);/g,
    (_all: string, name: string) => ENTITIES[name] ?? '',
  );
  return { config: JSON.parse(configText), src, configText };
}
