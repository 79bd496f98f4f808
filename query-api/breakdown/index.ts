// GET /api/analytics/breakdown and the top-N-plus-other query the summary and overview reuse.
// Dimensions come only from the planner's allow-list; metadata keys are bound parameters. Read only.
export {
  type BreakdownAnswer,
  type BreakdownRequest,
  type BreakdownRow,
  type Counts,
  DEFAULT_BREAKDOWN_LIMIT,
  MAX_BREAKDOWN_LIMIT,
  queryBreakdown,
} from './breakdown-query.ts';
export { breakdownRoutes, requestedDimension } from './routes.ts';
