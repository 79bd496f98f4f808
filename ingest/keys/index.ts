// How the edge decides whether a presented key may send data: the control plane's key format
// and records, cached in process and evicted the moment a key changes anywhere.
export { KeyCache, type KeyCacheOptions } from './key-cache.ts';
