export type ServiceMode = 'embedded' | 'server';

export interface ClickHouseSettings {
  /** Server URL, or undefined for the embedded engine. */
  url: string | undefined;
  /** Database that holds the product's tables. */
  database: string;
}

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: string;
  dataDir: string;
  host: string;
  port: number;
  ingestPort: number;
  publicUrl: string;
  publicIngestUrl: string;
  trustProxy: boolean;
  clickhouse: ClickHouseSettings;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** Undefined until ensureSecrets() fills them (from env, or generated for embedded mode). */
  apiKeySecret: string | undefined;
  jwtSecret: string | undefined;
  oidc: {
    issuer: string;
    clientId: string | undefined;
    clientSecret: string | undefined;
  };
  grafanaUrl: string | undefined;
  corsOrigins: readonly string[];
  keys: {
    /** Old key stays valid this long after regeneration. */
    graceSeconds: number;
  };
  ingest: {
    maxBodyBytes: number;
    maxDecompressedBytes: number;
    maxBatchEvents: number;
    idleTimeoutSeconds: number;
    workers: number;
    /** Worker threads that parse, validate, enrich and serialise large batch bodies (0 = inline). */
    parseThreads: number;
  };
  spool: {
    dir: string;
    maxBytes: number;
    fsyncIntervalMs: number;
    flushIntervalMs: number;
    flushRows: number;
  };
  rateLimit: {
    keyPerSecond: number;
    keyBurst: number;
    ipPerSecond: number;
    ipBurst: number;
    loginPerMinute: number;
  };
  cache: {
    keyTtlMs: number;
    keyMaxEntries: number;
    queryTtlSeconds: number;
  };
}
