// The bundle's entry (dist/v1.js): reads the snippet's config, installs window.clickstream, runs
// the commands a page queued before the script loaded, then starts tracking. Nothing here may
// throw into the page, and nothing is sent without a real browser key.
import { DEFAULT_CONFIG_ID, KEY_PLACEHOLDER, readConfig } from './config.ts';
import { guard } from './guard.ts';
import { type ClickstreamApi, createTracker } from './tracker.ts';

type Host = Window & { clickstream?: ClickstreamApi | unknown[] };

guard(() => {
  const host = window as Host;
  const queued = host.clickstream;
  // Loaded twice (the snippet pasted twice): the first copy keeps tracking alone.
  if (queued && !Array.isArray(queued)) return;
  const script = document.currentScript as HTMLScriptElement | null;
  const element = document.getElementById(script?.dataset.config || DEFAULT_CONFIG_ID);
  let raw: unknown;
  try {
    raw = JSON.parse(element?.textContent ?? '');
  } catch {
    // No or broken config: the API stays a no-op.
  }
  const config = readConfig(raw);
  if (!config && (raw as { apiKey?: unknown } | undefined)?.apiKey === KEY_PLACEHOLDER) {
    console.warn(
      `clickstream: replace ${KEY_PLACEHOLDER} in the snippet with your browser key; nothing is sent.`,
    );
  }
  const { api, start } = createTracker(config);
  host.clickstream = api;
  // Queued calls run first so an early optOut() or identify() applies to the first page view.
  for (const command of queued ?? []) api.push(command);
  start();
})();
