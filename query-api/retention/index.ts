// GET /api/analytics/retention: cohorts by first-seen day or week and how many return in each
// later period, from the raw events. Read only, like all of query-api.

export {
  COHORT_UNITS,
  type Cohort,
  type CohortUnit,
  cohortStarts,
  MAX_COHORTS,
  queryRetention,
  type Retention,
  type RetentionRequest,
} from './retention-query.ts';
export { retentionRoutes } from './routes.ts';
