// The query cache and its freshness contract with ingest. Answers live in Redis under the app's
// generation token, which the ingest flusher bumps (bumpAppGenerations) after every flush, so a
// cached answer is never staler than one flush; the TTL (CACHE_QUERY_TTL_SECONDS) bounds the
// rest. This folder must never decide what an answer contains, only whether it is still valid.
export {
  bumpAppGenerations,
  generationKey,
  INITIAL_GENERATION,
  readAppGeneration,
} from './generation.ts';
export {
  answerKey,
  type CachedAnswer,
  type CacheResult,
  createQueryCache,
  MAX_CACHED_ANSWER_BYTES,
  normaliseQuery,
  type QueryCache,
  type QueryCacheOptions,
} from './query-cache.ts';
