// GET /api/analytics/apps/:appId/overview: an app's headline numbers, top lists and breakdowns
// beside the previous period. Read only, like all of query-api.
export {
  type Compared,
  OVERVIEW_TOP_LIMIT,
  type Overview,
  type OverviewRequest,
  queryOverview,
} from './overview-query.ts';
export { overviewRoutes } from './routes.ts';
