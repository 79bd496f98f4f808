// Bundles the browser tracker (src/main.ts) into the one file the edge serves at /sdk/v1.js.
// CLI: node --import tsx ingest/browser/build.ts  (writes dist/v1.js, prints its size, and fails
// when the gzipped size is over budget).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));

export const TRACKER_ENTRY = path.join(here, 'src', 'main.ts');
/** The file ingest/edge/server.ts serves at /sdk/v1.js. */
export const TRACKER_BUNDLE = path.join(here, 'dist', 'v1.js');
/** Every page of every customer downloads it: 6 KiB gzipped is about one TCP round trip's worth. */
export const MAX_GZIP_BYTES = 6 * 1024;
/** ES2018 runs on every browser with meaningful share; older ones are not worth the extra bytes. */
export const TRACKER_TARGET = 'es2018';

export interface TrackerBundle {
  code: string;
  bytes: number;
  gzipBytes: number;
}

/** Builds the bundle; writes it to `outfile` (default dist/v1.js) unless `write` is false. */
export async function buildTracker(
  options: { write?: boolean; outfile?: string } = {},
): Promise<TrackerBundle> {
  const result = await build({
    entryPoints: [TRACKER_ENTRY],
    bundle: true,
    minify: true,
    format: 'iife',
    target: TRACKER_TARGET,
    platform: 'browser',
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output for the browser tracker');
  const code = file.text;
  if (options.write !== false) {
    const outfile = options.outfile ?? TRACKER_BUNDLE;
    await mkdir(path.dirname(outfile), { recursive: true });
    await writeFile(outfile, code);
  }
  return { code, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length };
}

async function main(): Promise<void> {
  const bundle = await buildTracker();
  const relative = path.relative(process.cwd(), TRACKER_BUNDLE);
  console.log(
    `${relative}: ${bundle.bytes} bytes, ${bundle.gzipBytes} bytes gzipped (budget ${MAX_GZIP_BYTES})`,
  );
  if (bundle.gzipBytes > MAX_GZIP_BYTES) {
    console.error(`${relative} is over its gzipped size budget`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
