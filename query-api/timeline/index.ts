// GET /api/analytics/events/timeline: zero-filled buckets (minute to month, in the app's time
// zone) of events, unique users and sessions. Read only, like all of query-api.
export { timelineRoutes } from './routes.ts';
export {
  INTERVALS,
  type Interval,
  MAX_TIMELINE_BUCKETS,
  queryTimeline,
  type Timeline,
  type TimelineBucket,
  type TimelineRequest,
  timelineBuckets,
} from './timeline-query.ts';
