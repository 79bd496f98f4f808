// GET /api/analytics/funnels: ordered steps, a conversion window, visitors and conversion per
// step (ClickHouse windowFunnel over the raw events). Read only, like all of query-api.

export {
  type FunnelAnswer,
  type FunnelRequest,
  type FunnelStep,
  MAX_FUNNEL_STEPS,
  MAX_WINDOW_SECONDS,
  parseStep,
  parseWindow,
  queryFunnel,
} from './funnel-query.ts';
export { funnelRoutes } from './routes.ts';
