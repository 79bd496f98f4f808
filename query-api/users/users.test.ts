// A visitor's profile and paginated activity against stored events: every number recomputed in
// JavaScript, every page walked until the cursor runs out, instants shown with the app's offset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registered } from '../../control-plane/testing/harness.ts';
import {
  bearer,
  generateEvents,
  insertEvents,
  openFixture,
  type QueryApiFixture,
  qs,
  type TestEvent,
  visitorOf,
} from '../testing/index.ts';
import { encodeCursor, RECENT_SESSIONS_LIMIT, type UserProfile } from './index.ts';

const DATA_FROM = Date.UTC(2026, 2, 2);
const DATA_TO = Date.UTC(2026, 2, 23);
const ZONE = 'Europe/Berlin';

let fx: QueryApiFixture;
let owner: Registered;
let stored: TestEvent[];

beforeAll(async () => {
  fx = await openFixture('users');
  owner = await fx.owner(ZONE);
  stored = generateEvents({ appId: owner.app.id, seed: 51, from: DATA_FROM, to: DATA_TO, visitors: 200 });
  await insertEvents(fx.ch, stored);
});
afterAll(() => fx?.close());

/** The instant as Berlin's clocks read it (winter time, +01:00, throughout March 2-23). */
const berlin = (ms: number) => `${new Date(ms + 3_600_000).toISOString().slice(0, 23)}+01:00`;

function busiest(filter: (visitor: string) => boolean): string {
  const byVisitor = new Map<string, number>();
  for (const event of stored) {
    const visitor = visitorOf(event);
    if (visitor !== '' && filter(visitor)) byVisitor.set(visitor, (byVisitor.get(visitor) ?? 0) + 1);
  }
  return [...byVisitor.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
}

const userPath = (userId: string, params: Record<string, string | number> = {}) =>
  `/api/analytics/users/${encodeURIComponent(userId)}?${qs({ appId: owner.app.id, startDate: '2026-03-01', endDate: '2026-03-24', ...params })}`;

function expectProfile(answer: UserProfile, userId: string): void {
  const mine = stored.filter((event) => visitorOf(event) === userId);
  expect(mine.length).toBeGreaterThan(3);
  expect(answer.userId).toBe(userId);
  expect(answer.events).toBe(mine.length);
  expect(answer.firstSeen).toBe(berlin(Math.min(...mine.map((e) => e.ts))));
  expect(answer.lastSeen).toBe(berlin(Math.max(...mine.map((e) => e.ts))));
  const sessions = new Map<string, TestEvent[]>();
  for (const event of mine) {
    if (event.session_id !== '')
      sessions.set(event.session_id, [...(sessions.get(event.session_id) ?? []), event]);
  }
  expect(answer.sessions).toBe(sessions.size);
  const byType = new Map<string, number>();
  for (const event of mine) byType.set(event.event_type, (byType.get(event.event_type) ?? 0) + 1);
  expect(answer.eventTypes).toEqual(
    [...byType.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([eventType, events]) => ({ eventType, events })),
  );
  const used = (of: (event: TestEvent) => string) => {
    const values = new Map<string, TestEvent[]>();
    for (const event of mine) values.set(of(event), [...(values.get(of(event)) ?? []), event]);
    return [...values.entries()]
      .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))
      .map(([value, events]) => ({
        value,
        events: events.length,
        lastSeen: berlin(Math.max(...events.map((e) => e.ts))),
      }));
  };
  expect(answer.devices).toEqual(used((e) => e.device_type));
  expect(answer.browsers).toEqual(used((e) => e.browser));
  expect(answer.os).toEqual(used((e) => e.os));
  const recent = [...sessions.entries()]
    .map(([sessionId, events]) => {
      const start = Math.min(...events.map((e) => e.ts));
      const end = Math.max(...events.map((e) => e.ts));
      return {
        sessionId,
        start: berlin(start),
        end: berlin(end),
        events: events.length,
        pageviews: events.filter((e) => e.event_type === 'pageview').length,
        durationSeconds: (end - start) / 1000,
        at: start,
      };
    })
    .sort((a, b) => b.at - a.at)
    .slice(0, RECENT_SESSIONS_LIMIT)
    .map(({ at: _at, ...session }) => session);
  expect(answer.recentSessions).toEqual(recent);
}

describe('GET /api/analytics/users/:userId', () => {
  it('profiles an identified user and pages through the whole history by cursor', async () => {
    const userId = busiest((visitor) => visitor.startsWith('user-'));
    const first = await fx.json<UserProfile>(userPath(userId, { limit: 3 }), bearer(owner));
    expectProfile(first, userId);
    const items = [...first.activity.items];
    let cursor = first.activity.nextCursor;
    let pages = 1;
    while (cursor !== null) {
      const page = await fx.json<UserProfile>(userPath(userId, { limit: 3, cursor }), bearer(owner));
      items.push(...page.activity.items);
      cursor = page.activity.nextCursor;
      pages += 1;
    }
    const mine = stored.filter((event) => visitorOf(event) === userId).sort((a, b) => b.ts - a.ts);
    expect(pages).toBe(Math.ceil(mine.length / 3));
    expect(items).toEqual(
      mine.map((event) => ({
        eventId: event.event_id,
        ts: berlin(event.ts),
        eventType: event.event_type,
        name: event.name,
        sessionId: event.session_id,
        path: event.path,
        url: event.url,
        referrerDomain: event.referrer_domain,
        properties: event.properties,
      })),
    );
  });

  it('profiles a visitor who never identified by the anonymous id', async () => {
    const visitor = busiest((id) => id.startsWith('anon-'));
    const answer = await fx.json<UserProfile>(userPath(visitor), { apiKey: owner.keys.server.key });
    expectProfile(answer, visitor);
  });

  it('gives an honest empty profile for an unknown user', async () => {
    const answer = await fx.json<UserProfile>(userPath("nobody' OR '1'='1"), bearer(owner));
    expect(answer).toMatchObject({ events: 0, firstSeen: null, lastSeen: null, sessions: 0, eventTypes: [] });
    expect(answer.activity).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['not base64 json', 'bm90IGpzb24'],
    ['wrong shape', Buffer.from(JSON.stringify({ a: 1 })).toString('base64url')],
    ['bad event id', Buffer.from(JSON.stringify([1, "x' OR 1=1"])).toString('base64url')],
    ['negative time', encodeCursor({ ts: -5, eventId: '00000000-0000-4000-8000-000000000000' })],
  ])('refuses a forged cursor (%s) with 400', async (_label, cursor) => {
    const response = await fx.get(userPath('anyone', { cursor }), bearer(owner));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toMatch(
      /invalid_cursor|validation_failed/,
    );
  });
});
