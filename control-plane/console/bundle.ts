// Builds the console's browser code (src/main.ts, src/styles.css and uPlot) into one script and
// one stylesheet, in memory, with esbuild. Nothing is built at import or at start-up: the first
// request for the console builds it (about a tenth of a second) and the result is kept for the
// life of the process, so start-up stays fast and a deployment needs no build step. File names
// carry a content hash, so browsers may cache them forever.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));

export const CONSOLE_SCRIPT_ENTRY = path.join(here, 'src', 'main.ts');
export const CONSOLE_STYLES_ENTRY = path.join(here, 'src', 'styles.css');
// Browsers an owner plausibly runs: evergreen ones from the last few years. Older ones would cost
// polyfills for <dialog>, ResizeObserver and the clipboard API the console relies on anyway.
const BROWSER_TARGETS = ['chrome100', 'firefox100', 'safari15.4', 'edge100'];

export interface ConsoleAsset {
  /** File name under the asset prefix, e.g. app-3F2A9C1D.js. */
  name: string;
  contentType: string;
  body: string;
}

export interface ConsoleBundle {
  script: ConsoleAsset;
  stylesheet: ConsoleAsset;
  /** Every asset by file name (the script, the stylesheet and the icon). */
  assets: ReadonlyMap<string, ConsoleAsset>;
  /** How long the build took, for the log. */
  buildMs: number;
}

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#4338ca"/>' +
  '<path d="M7 22l6-7 5 4 7-9" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>';
export const ICON_NAME = 'icon.svg';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Runs esbuild once; use consoleBundle() to share the result. */
export async function buildConsoleBundle(): Promise<ConsoleBundle> {
  const started = performance.now();
  const result = await build({
    entryPoints: [
      { in: CONSOLE_SCRIPT_ENTRY, out: 'app' },
      { in: CONSOLE_STYLES_ENTRY, out: 'app' },
    ],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: BROWSER_TARGETS,
    entryNames: '[name]-[hash]',
    // Never written: outdir only names the in-memory output files.
    outdir: path.join(here, 'dist'),
    write: false,
    logLevel: 'silent',
  });
  const assets = new Map<string, ConsoleAsset>();
  for (const file of result.outputFiles) {
    const name = path.basename(file.path);
    const contentType = CONTENT_TYPES[path.extname(name)];
    if (contentType) assets.set(name, { name, contentType, body: file.text });
  }
  const script = [...assets.values()].find((asset) => asset.name.endsWith('.js'));
  const stylesheet = [...assets.values()].find((asset) => asset.name.endsWith('.css'));
  if (!script || !stylesheet) throw new Error('esbuild produced no console script or stylesheet');
  assets.set(ICON_NAME, { name: ICON_NAME, contentType: 'image/svg+xml', body: ICON_SVG });
  return { script, stylesheet, assets, buildMs: Math.round(performance.now() - started) };
}

let shared: Promise<ConsoleBundle> | undefined;

/**
 * The bundle, built on first use and kept for the process (every control plane in it serves the
 * same files). A failed build is not kept, so the next request tries again.
 */
export function consoleBundle(): Promise<ConsoleBundle> {
  if (!shared) {
    shared = buildConsoleBundle();
    shared.catch(() => {
      shared = undefined;
    });
  }
  return shared;
}
