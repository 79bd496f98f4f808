// The edge's in-process key cache, in front of Redis and Postgres. Entries (positive and
// negative) live a few seconds at most, and a revocation message evicts at once. Keyed by the
// presented key itself so a hit costs no HMAC: the raw key never leaves this process's memory.
import { hmacKey, type KeyRecord } from '../../control-plane/keys/index.ts';

export interface KeyCacheOptions {
  apiKeySecret: string;
  lookup: (keyHmac: string) => Promise<KeyRecord | null>;
  ttlMs: number;
  maxEntries: number;
  now: () => number;
  onResult?: (hit: boolean) => void;
}

interface Entry {
  hmac: string;
  record: KeyRecord | null;
  expiresAt: number;
}

export class KeyCache {
  /** Map iteration order is insertion order: re-inserting on hit makes it an LRU. */
  private readonly entries = new Map<string, Entry>();
  private readonly byHmac = new Map<string, string>();
  private readonly inflight = new Map<string, Promise<KeyRecord | null>>();

  constructor(private readonly options: KeyCacheOptions) {}

  async get(key: string): Promise<KeyRecord | null> {
    const now = this.options.now();
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > now) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      this.options.onResult?.(true);
      return entry.record;
    }
    this.options.onResult?.(false);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const hmac = entry?.hmac ?? hmacKey(this.options.apiKeySecret, key);
    const lookup = this.options
      .lookup(hmac)
      .then((record) => {
        this.store(key, { hmac, record, expiresAt: this.options.now() + this.options.ttlMs });
        return record;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, lookup);
    return lookup;
  }

  /** A key changed somewhere (revoked, regenerated, app updated): forget it now. */
  evictHmac(keyHmac: string): void {
    const key = this.byHmac.get(keyHmac);
    if (key === undefined) return;
    this.byHmac.delete(keyHmac);
    this.entries.delete(key);
  }

  private store(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.byHmac.set(entry.hmac, key);
    while (this.entries.size > this.options.maxEntries) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldestKey);
      this.byHmac.delete(oldest.hmac);
    }
  }
}
