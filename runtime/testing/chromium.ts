// Debian's Chromium for browser tests, launched the one way that works on these machines: no
// sandbox as root, and no background networking (the closed network would refuse it loudly).
// Missing locally: browser tests skip. Missing with CI=true: they fail.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { inCi } from './services.ts';

export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);
if (!hasChromium && inCi) {
  throw new Error(`Chromium not found at ${chromiumPath}: the browser tests must run when CI=true`);
}

const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: LAUNCH_ARGS });
}
