// The one failure that is about the deployment rather than the request: a server running the
// control plane without the query API answers analytics paths with the generic JSON 404.
import { ApiError } from '../api.ts';

export const QUERY_API_MISSING =
  'Analytics are not available from this server: the query API is not running here.';

export function isQueryApiMissing(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && error.code === 'not_found';
}

/** The error to show for an analytics request. */
export function analyticsError(error: unknown): unknown {
  return isQueryApiMissing(error) ? new Error(QUERY_API_MISSING) : error;
}
