// GET /api/analytics/users/:userId: one visitor's profile and cursor-paginated activity from the
// raw events table. Read only, like all of query-api; it never reveals another app's visitors.
export { userRoutes } from './routes.ts';
export {
  type ActivityItem,
  type Cursor,
  DEFAULT_ACTIVITY_LIMIT,
  decodeCursor,
  encodeCursor,
  MAX_ACTIVITY_LIMIT,
  MAX_USER_ID_LENGTH,
  queryUser,
  RECENT_SESSIONS_LIMIT,
  type UserProfile,
  type UserRequest,
} from './user-query.ts';
