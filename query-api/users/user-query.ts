// One visitor's profile and history over a range: first and last seen, event counts by type,
// devices, browsers and operating systems used, recent sessions, and the activity feed newest
// first, paginated by an opaque cursor. A "user" is the visitor id the rest of the product
// counts: the identified user id, or the anonymous id of a visitor who never identified. Raw
// table only: no rollup keeps per-visitor rows.
import type { ClickHouse } from '../../clickhouse/index.ts';
import {
  INSTANT,
  instantParam,
  num,
  ok,
  type Result,
  rangeAnswer,
  reject,
  runQuery,
} from '../execution/index.ts';
import { formatInZone, type TimeRange } from '../time-range/index.ts';

// One screen of activity by default; 500 per page bounds the answer to well under a megabyte.
export const DEFAULT_ACTIVITY_LIMIT = 50;
export const MAX_ACTIVITY_LIMIT = 500;
// The profile shows the latest sessions; the activity feed holds everything else.
export const RECENT_SESSIONS_LIMIT = 20;
// Visitor ids are the app's own identifiers; nothing legitimate is longer.
export const MAX_USER_ID_LENGTH = 256;

export interface UserRequest {
  appId: string;
  userId: string;
  range: TimeRange;
  limit: number;
  /** Decoded cursor: the (ts, event id) of the last item of the previous page. */
  after?: Cursor | undefined;
}

export interface Cursor {
  ts: number;
  eventId: string;
}

export interface ActivityItem {
  eventId: string;
  ts: string;
  eventType: string;
  name: string;
  sessionId: string;
  path: string;
  url: string;
  referrerDomain: string;
  properties: unknown;
}

export interface UsedValue {
  value: string;
  events: number;
  lastSeen: string;
}

export interface UserProfile {
  range: { start: string; end: string; timeZone: string };
  userId: string;
  firstSeen: string | null;
  lastSeen: string | null;
  events: number;
  sessions: number;
  eventTypes: { eventType: string; events: number }[];
  devices: UsedValue[];
  browsers: UsedValue[];
  os: UsedValue[];
  recentSessions: {
    sessionId: string;
    start: string;
    end: string;
    events: number;
    pageviews: number;
    durationSeconds: number;
  }[];
  activity: { items: ActivityItem[]; nextCursor: string | null };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.ts, cursor.eventId])).toString('base64url');
}

/** The cursor a previous page handed out, or a rejection for anything else. */
export function decodeCursor(text: string): Result<Cursor> {
  const invalid = reject<Cursor>('invalid_cursor', 'cursor is not one this API handed out');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return invalid;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) return invalid;
  const [ts, eventId] = decoded as unknown[];
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) return invalid;
  if (typeof eventId !== 'string' || !UUID.test(eventId)) return invalid;
  return ok({ ts, eventId });
}

// visitor_id = {user}, spelled out (visitor_id is an ALIAS of exactly this).
const VISITOR = "(user_id = {user:String} OR (user_id = '' AND anonymous_id = {user:String}))";
const SCOPE = `app_id = {app:UUID} AND ts >= {from:${INSTANT}} AND ts < {to:${INSTANT}} AND ${VISITOR}`;

interface ProfileRow {
  events: string;
  first: string | null;
  last: string | null;
  sessions: string;
}

function parseProperties(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function queryUser(ch: ClickHouse, request: UserRequest): Promise<UserProfile> {
  const { range } = request;
  const zone = range.timeZone;
  const at = (ms: string | number) => formatInZone(Number(ms), zone);
  const params: Record<string, unknown> = {
    app: request.appId,
    user: request.userId,
    from: instantParam(range.from),
    to: instantParam(range.to),
  };
  const profileQuery = runQuery<ProfileRow>(
    ch,
    `SELECT count() AS events, if(events = 0, NULL, toUnixTimestamp64Milli(min(ts))) AS first,
            if(events = 0, NULL, toUnixTimestamp64Milli(max(ts))) AS last,
            uniqExactIf(session_id, session_id != '') AS sessions
     FROM events WHERE ${SCOPE}`,
    params,
  );
  const typesQuery = runQuery<{ event_type: string; events: string }>(
    ch,
    `SELECT event_type, count() AS events FROM events WHERE ${SCOPE}
     GROUP BY event_type ORDER BY events DESC, event_type`,
    params,
  );
  const usedQuery = runQuery<{ kind: string; value: string; events: string; last: string }>(
    ch,
    `SELECT used.1 AS kind, used.2 AS value, count() AS events, toUnixTimestamp64Milli(max(ts)) AS last
     FROM events ARRAY JOIN [('device', toString(device_type)), ('browser', toString(browser)), ('os', toString(os))] AS used
     WHERE ${SCOPE}
     GROUP BY kind, value ORDER BY kind, events DESC, value`,
    params,
  );
  const sessionsQuery = runQuery<{
    session_id: string;
    start: string;
    end: string;
    events: string;
    pageviews: string;
  }>(
    ch,
    `SELECT session_id, toUnixTimestamp64Milli(min(ts)) AS start, toUnixTimestamp64Milli(max(ts)) AS end,
            count() AS events, countIf(event_type = 'pageview') AS pageviews
     FROM events WHERE ${SCOPE} AND session_id != ''
     GROUP BY session_id ORDER BY start DESC, session_id LIMIT {sessionsLimit:UInt32}`,
    { ...params, sessionsLimit: RECENT_SESSIONS_LIMIT },
  );
  const after = request.after;
  const pageQuery = runQuery<{
    event_id: string;
    ts_ms: string;
    event_type: string;
    name: string;
    session_id: string;
    path: string;
    url: string;
    referrer_domain: string;
    properties: string;
  }>(
    ch,
    `SELECT event_id, toUnixTimestamp64Milli(ts) AS ts_ms, event_type, name, session_id, path, url,
            referrer_domain, properties
     FROM events WHERE ${SCOPE}
       ${after ? `AND (ts, event_id) < ({afterTs:${INSTANT}}, {afterId:UUID})` : ''}
     ORDER BY ts DESC, event_id DESC LIMIT {pageRows:UInt32}`,
    {
      ...params,
      // One row more than the page: its presence says whether another page exists.
      pageRows: request.limit + 1,
      ...(after ? { afterTs: instantParam(after.ts), afterId: after.eventId } : {}),
    },
  );
  // Independent statements: a server runs them side by side (the embedded engine queues them).
  const [[profile], types, used, sessions, page] = await Promise.all([
    profileQuery,
    typesQuery,
    usedQuery,
    sessionsQuery,
    pageQuery,
  ]);
  const items = page.slice(0, request.limit);
  const last = items.at(-1);
  const usedOf = (kind: string) =>
    used
      .filter((row) => row.kind === kind)
      .map((row) => ({ value: row.value, events: num(row.events), lastSeen: at(row.last) }));

  return {
    range: rangeAnswer(range),
    userId: request.userId,
    firstSeen: profile?.first ? at(profile.first) : null,
    lastSeen: profile?.last ? at(profile.last) : null,
    events: num(profile?.events),
    sessions: num(profile?.sessions),
    eventTypes: types.map((row) => ({ eventType: row.event_type, events: num(row.events) })),
    devices: usedOf('device'),
    browsers: usedOf('browser'),
    os: usedOf('os'),
    recentSessions: sessions.map((row) => ({
      sessionId: row.session_id,
      start: at(row.start),
      end: at(row.end),
      events: num(row.events),
      pageviews: num(row.pageviews),
      durationSeconds: (num(row.end) - num(row.start)) / 1000,
    })),
    activity: {
      items: items.map((row) => ({
        eventId: row.event_id,
        ts: at(row.ts_ms),
        eventType: row.event_type,
        name: row.name,
        sessionId: row.session_id,
        path: row.path,
        url: row.url,
        referrerDomain: row.referrer_domain,
        properties: parseProperties(row.properties),
      })),
      nextCursor:
        page.length > request.limit && last
          ? encodeCursor({ ts: num(last.ts_ms), eventId: last.event_id })
          : null,
    },
  };
}
