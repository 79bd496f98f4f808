// GET /api/analytics/events/summary: totals per event type, unique users, sessions and the
// device, browser and OS breakdowns of one app over a range. Read only, like all of query-api.
export { summaryRoutes } from './routes.ts';
export { querySummary, SUMMARY_BREAKDOWN_LIMIT, type Summary, type SummaryRequest } from './summary-query.ts';
