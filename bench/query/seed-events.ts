// Seeds events for the query benchmark inside the engine (INSERT ... SELECT FROM numbers()), so
// a hundred million rows never pass through JavaScript and every materialized view fires as on
// a real flush. The shape is a busy web app: ~10 events per session, ~5 sessions per visitor,
// sessions spread evenly over the last DAYS days, page views on a skewed set of paths, a product
// funnel in track events, and a "plan" property on every event for metadata breakdowns.
// Sessions start in time order across the chunks, as traffic arrives: each chunk holds a few
// days, so parts (and the rollups' partial rows) cover the days they would in production,
// instead of every chunk touching all DAYS days.
import { availableParallelism } from 'node:os';
import type { ClickHouse } from '../../clickhouse/index.ts';

// Rows per INSERT: large enough that insert overhead is noise, small enough that one
// statement's blocks and view states stay well inside memory.
export const SEED_CHUNK_ROWS = 5_000_000;
// ClickHouse's default block size; each block becomes one part and one partial state per view.
const SEED_BLOCK_ROWS = 1_048_576;
export const EVENTS_PER_SESSION = 10;
// Inserting is the seed's bottleneck (sorting and compressing blocks); use the machine's cores.
const SEED_INSERT_THREADS = availableParallelism();
const SESSIONS_PER_VISITOR = 5;
// Far beyond the benchmark's dates, so TTL merges never drop rows while it runs.
const RETENTION_DAYS = 3650;

const COLUMNS = [
  'app_id',
  'event_id',
  'event_type',
  'name',
  'ts',
  'received_at',
  'user_id',
  'anonymous_id',
  'session_id',
  'url',
  'host',
  'path',
  'referrer',
  'referrer_domain',
  'utm_source',
  'utm_campaign',
  'browser',
  'os',
  'device_type',
  'country',
  'properties',
  'retention_days',
];

/**
 * Events {offset} .. {offset}+{count} of one app. Consecutive numbers form a session, so each
 * session's events are in time order and funnels progress through them. {visitors}: distinct
 * visitors; {end}: the latest session start; {spanSeconds}: how far back sessions start;
 * {sessions}: the app's session count, session k starting k/{sessions} of the way through the
 * span (up to five minutes earlier, so starts are not perfectly regular).
 */
const SEED_SQL = `
INSERT INTO events (${COLUMNS.join(', ')})
SELECT
    {app:UUID} AS app_id,
    generateUUIDv4(number) AS event_id,
    multiIf(position = 0 OR k < 11, 'pageview', k < 17, 'track', k = 17, 'identify', k = 18, 'screen', 'signup_completed') AS event_type,
    if(event_type = 'track', ['view_product', 'add_to_cart', 'checkout', 'purchase'][least(intDiv(position, 2), 3) + 1], '') AS name,
    session_start + toIntervalSecond(position * 45 + sipHash64(number, 7) % 40) + toIntervalMillisecond(number % 1000) AS ts,
    ts + toIntervalMillisecond(200) AS received_at,
    if(visitor % 5 < 2 AND position >= 3, concat('u', toString(visitor)), '') AS user_id,
    concat('a', toString(visitor)) AS anonymous_id,
    concat('s', toString(session)) AS session_id,
    concat('https://shop.example.com', path) AS url,
    'shop.example.com' AS host,
    if(sipHash64(number, 5) % 3 = 0, ['/', '/pricing', '/docs', '/blog', '/signup'][sipHash64(number, 6) % 5 + 1],
       concat('/p/', toString(sipHash64(number, 6) % 500))) AS path,
    if(referrer_domain = '', '', concat('https://', referrer_domain, '/')) AS referrer,
    ['', '', 'google.com', 'news.ycombinator.com', 't.co', 'duckduckgo.com', 'github.com'][session % 7 + 1] AS referrer_domain,
    ['', '', '', 'newsletter', 'twitter', 'google'][session % 6 + 1] AS utm_source,
    ['', '', 'spring_sale', 'launch'][session % 4 + 1] AS utm_campaign,
    ['Chrome', 'Chrome', 'Safari', 'Firefox', 'Edge', 'Samsung Internet'][visitor % 6 + 1] AS browser,
    ['Windows', 'macOS', 'iOS', 'Android', 'Linux'][visitor % 5 + 1] AS os,
    ['desktop', 'desktop', 'mobile', 'tablet'][visitor % 4 + 1] AS device_type,
    ['US', 'DE', 'FR', 'IN', 'BR', 'JP', 'GB', ''][visitor % 8 + 1] AS country,
    concat('{"plan":"', ['free', 'free', 'pro', 'team', 'enterprise'][visitor % 5 + 1], '","n":', toString(number % 7), '}') AS properties,
    ${RETENTION_DAYS} AS retention_days
FROM
(
    SELECT
        number,
        intDiv(number, ${EVENTS_PER_SESSION}) AS session,
        number % ${EVENTS_PER_SESSION} AS position,
        sipHash64(session, 2) % {visitors:UInt64} AS visitor,
        sipHash64(number, 3) % 20 AS k,
        {end:DateTime64(3, 'UTC')}
            - toIntervalSecond({spanSeconds:UInt64} - intDiv(session * {spanSeconds:UInt64}, {sessions:UInt64}) + sipHash64(session, 1) % 300) AS session_start
    FROM numbers({offset:UInt64}, {count:UInt64})
)`;

export interface SeedPlan {
  appId: string;
  events: number;
  /** epoch ms: sessions start in (end - days, end]. */
  end: number;
  days: number;
}

/** Inserts the app's events in chunks; calls progress after each chunk. */
export async function seedEvents(
  ch: ClickHouse,
  plan: SeedPlan,
  progress: (seeded: number) => void = () => {},
): Promise<void> {
  const sessions = Math.max(1, Math.ceil(plan.events / EVENTS_PER_SESSION));
  const visitors = Math.max(1, Math.round(sessions / SESSIONS_PER_VISITOR));
  for (let offset = 0; offset < plan.events; offset += SEED_CHUNK_ROWS) {
    const count = Math.min(SEED_CHUNK_ROWS, plan.events - offset);
    await ch.command(SEED_SQL, {
      params: {
        app: plan.appId,
        offset,
        count,
        visitors,
        sessions,
        end: new Date(plan.end).toISOString().replace('T', ' ').replace('Z', ''),
        spanSeconds: plan.days * 86_400,
      },
      settings: {
        max_block_size: SEED_BLOCK_ROWS,
        max_insert_block_size: SEED_BLOCK_ROWS,
        // Seeding is one long batch job, not an interactive query.
        max_execution_time: 0,
        // Sort, compress and write blocks on every core, not just one.
        max_insert_threads: SEED_INSERT_THREADS,
      },
    });
    progress(offset + count);
  }
}
