// The browser tracker: src/ is bundled by build.ts into dist/v1.js, which the edge serves at
// /sdk/v1.js for the control plane's snippet. The tracker must never throw into the host page,
// never send (or store an id) while the visitor opted out or DNT/GPC applies, and stay small.
export { buildTracker, MAX_GZIP_BYTES, TRACKER_BUNDLE, type TrackerBundle } from './build.ts';
export type { ClickstreamApi } from './src/tracker.ts';
