import { describe, expect, it } from 'vitest';
import { parseSession, SESSION_TIMEOUT_MS, touchSession } from './session.ts';

const T = Date.parse('2024-05-06T07:00:00.000Z');
const newId = () => 'new';

describe('touchSession', () => {
  it.each([
    ['no session yet', undefined, T, { id: 'new', last: T }],
    ['activity within the timeout', { id: 's1', last: T }, T + 60_000, { id: 's1', last: T + 60_000 }],
    [
      'exactly at the timeout',
      { id: 's1', last: T },
      T + SESSION_TIMEOUT_MS,
      { id: 's1', last: T + SESSION_TIMEOUT_MS },
    ],
    [
      'past the timeout',
      { id: 's1', last: T },
      T + SESSION_TIMEOUT_MS + 1,
      { id: 'new', last: T + SESSION_TIMEOUT_MS + 1 },
    ],
    ['a clock that went back', { id: 's1', last: T }, T - 5_000, { id: 's1', last: T }],
  ])('%s', (_case, state, now, expected) => {
    expect(touchSession(state, now, newId)).toEqual(expected);
  });

  it('keeps a session alive as long as activity continues', () => {
    let state = touchSession(undefined, T, () => 'first');
    for (let minute = 1; minute <= 180; minute += 20) state = touchSession(state, T + minute * 60_000, newId);
    expect(state.id).toBe('first');
  });
});

describe('parseSession', () => {
  it.each([
    [null, undefined],
    ['', undefined],
    ['not json', undefined],
    ['[]', undefined],
    ['{"id":"","last":1}', undefined],
    ['{"id":"s","last":"1"}', undefined],
    ['{"id":"s"}', undefined],
    ['{"id":"s","last":1714978800000}', { id: 's', last: 1714978800000 }],
  ])('%j -> %j', (text, expected) => {
    expect(parseSession(text)).toEqual(expected);
  });

  it('reads what touchSession stores', () => {
    const state = touchSession(undefined, T, newId);
    expect(parseSession(JSON.stringify(state))).toEqual(state);
  });
});
