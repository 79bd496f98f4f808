// Authentication and authorisation for analytics reads: owner JWTs or read-scoped server keys,
// per-owner GCRA rate limits, and the rule that a caller sees only its own apps (others are 404).
// It must never grant a key more than its own app, nor reveal whether another app exists.
export {
  type AppContext,
  DEFAULT_RATE_LIMIT,
  type Principal,
  principalOf,
  type RateLimit,
  requireReader,
  resolveApp,
} from './authenticate.ts';
