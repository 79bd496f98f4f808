// How many events are arriving right now: the last 30 minutes per minute, polled every few
// seconds while the page is visible (answers are cached until the next ingest flush, so polling
// is cheap). No websocket needed.
import type { Api } from '../api.ts';
import { h } from '../dom.ts';
import { formatCount } from '../format.ts';
import { messageOf } from '../ui.ts';
import type { Timeline } from './types.ts';
import { analyticsError } from './unavailable.ts';

// Ingest flushes to storage about once a second; every 5 s shows arrivals promptly without
// spending much of the owner's query rate (10/s).
export const LIVE_POLL_MS = 5_000;
// After a failure, wait longer so a down query API is not hammered.
const RETRY_MS = 30_000;

export function liveCount(api: Api, appId: string, signal: AbortSignal): HTMLElement {
  const total = h('strong', { class: 'live-total' }, '…');
  const minute = h('span', { class: 'live-minute' });
  const bars = h('div', { class: 'sparkline', 'aria-hidden': 'true' });
  const note = h('span', { class: 'live-note muted' });
  let timer: ReturnType<typeof setTimeout> | undefined;

  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (!signal.aborted) timer = setTimeout(() => void poll(), ms);
  };

  const poll = async () => {
    if (document.hidden) return schedule(LIVE_POLL_MS);
    try {
      const answer = await api.get<Timeline>(
        '/api/analytics/events/timeline',
        { appId, interval: 'minute', startDate: '30m' },
        signal,
      );
      const counts = answer.buckets.map((bucket) => bucket.events);
      const sum = counts.reduce((a, b) => a + b, 0);
      total.textContent = formatCount(sum);
      minute.textContent = `${formatCount(counts[counts.length - 1] ?? 0)} this minute`;
      const max = Math.max(...counts, 1);
      bars.replaceChildren(
        ...counts.map((count) => {
          const bar = h('span', { class: count > 0 ? 'on' : '' });
          bar.style.height = `${Math.max(4, (count / max) * 100)}%`;
          return bar;
        }),
      );
      note.textContent = `updated ${new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })}`;
      schedule(LIVE_POLL_MS);
    } catch (error) {
      if (signal.aborted) return;
      total.textContent = '–';
      minute.textContent = '';
      note.textContent = `Live count unavailable. ${messageOf(analyticsError(error))}`;
      schedule(RETRY_MS);
    }
  };

  signal.addEventListener('abort', () => clearTimeout(timer));
  const onVisible = () => {
    if (!document.hidden) void poll();
  };
  document.addEventListener('visibilitychange', onVisible, { signal });
  void poll();

  return h(
    'section',
    { class: 'card live', 'aria-labelledby': 'live-title', 'data-testid': 'live' },
    h('h2', { id: 'live-title' }, h('span', { class: 'pulse', 'aria-hidden': 'true' }), 'Live'),
    h('p', { class: 'live-line' }, total, ' events in the last 30 minutes', h('br'), minute),
    bars,
    note,
  );
}
