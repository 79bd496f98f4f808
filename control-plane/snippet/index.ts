// The tracking snippet an owner pastes into their pages: the tracker loaded asynchronously from
// the ingest edge, configured with the app's browser key and enabled metric configs. It must
// never embed a server key, and never emit a config value that could end the script it sits in.
export { openBrowserKey, sealBrowserKey } from '../keys/browser-key-vault.ts';
export {
  BROWSER_KEY_PLACEHOLDER,
  CONFIG_ELEMENT_ID,
  renderSnippet,
  SDK_PATH,
  type SnippetInput,
  type TrackerConfig,
  type TrackerMetric,
} from './render-snippet.ts';
export { snippetRoutes } from './routes.ts';
