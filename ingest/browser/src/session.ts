// Sessions: a visit ends after 30 minutes without activity, as Google Analytics and most
// analytics products define it, so our session counts read the way owners expect.

export const SESSION_TIMEOUT_MS = 30 * 60_000;

export interface SessionState {
  id: string;
  /** Epoch ms of the last event in this session. */
  last: number;
}

/** The session an event at `now` belongs to: the same one if still active, else a new one. */
export function touchSession(
  state: SessionState | undefined,
  now: number,
  newId: () => string,
): SessionState {
  // A clock that went backwards keeps the session: it is the same visit either way.
  if (!state || now - state.last > SESSION_TIMEOUT_MS) return { id: newId(), last: now };
  return { id: state.id, last: Math.max(now, state.last) };
}

/** A stored session, or undefined when the text is missing or not one of ours. */
export function parseSession(text: string | null): SessionState | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object') {
      const { id, last } = value as Partial<SessionState>;
      if (typeof id === 'string' && id && typeof last === 'number' && Number.isFinite(last))
        return { id, last };
    }
  } catch {
    // Not ours or corrupted: start a new session.
  }
  return undefined;
}
