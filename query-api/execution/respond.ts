// The last step of every cacheable route: look the normalised question up in the query cache,
// compute it on a miss, and send the cached text as is. X-Cache tells clients (and benchmarks)
// whether the answer came from the cache.
import type { Context } from 'hono';
import type { QueryCache } from '../cache/index.ts';

export interface CachedResponseOptions {
  appId: string;
  /** Route name, part of the cache key and the hit-ratio metric's label. */
  endpoint: string;
  /** Everything the answer depends on besides the app's data: resolved range, zone, filters. */
  question: Readonly<Record<string, unknown>>;
  contentType?: string;
}

export async function cachedResponse(
  c: Context,
  cache: QueryCache,
  options: CachedResponseOptions,
  compute: () => Promise<string>,
): Promise<Response> {
  const answer = await cache.answer(options.appId, options.endpoint, options.question, compute);
  return c.body(answer.body, 200, {
    'content-type': options.contentType ?? 'application/json; charset=utf-8',
    'x-cache': answer.cache,
  });
}

/** cachedResponse for answers that are JSON documents. */
export function cachedJson(
  c: Context,
  cache: QueryCache,
  options: CachedResponseOptions,
  compute: () => Promise<unknown>,
): Promise<Response> {
  return cachedResponse(c, cache, options, async () => JSON.stringify(await compute()));
}
