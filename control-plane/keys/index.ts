// API keys: the format (pure, imported by the ingest edge), issuance, regeneration with a grace
// period, revocation, publication to Redis for edges, and aggregated usage. A raw key exists
// in the clear only in the response that created it: never in Postgres, Redis or logs (browser
// keys, which are public, keep an encrypted copy so snippets can embed them).

export { type AuthenticateResult, authenticateKey } from './authenticate.ts';
export * from './key-format.ts';
export {
  KEY_INVALIDATION_CHANNEL,
  KEY_RECORD_PREFIX,
  lookupKeyRecord,
  publishKeys,
  subscribeKeyChanges,
} from './publication.ts';
export { judgeKey, type KeyRecord, type KeyScope, type KeyVerdict } from './record.ts';
export { issueKey } from './repository.ts';
export { keyRoutes } from './routes.ts';
export { drainKeyUsage, KeyUsageTally } from './usage.ts';
