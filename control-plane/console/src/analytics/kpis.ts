// The headline tiles: events, page views, visitors, sessions, bounce rate and session length,
// each against the previous period of the same length.
import { h } from '../dom.ts';
import { type Change, describeChange, formatCount, formatDuration, formatPercent } from '../format.ts';
import type { Compared, Overview } from './types.ts';

interface Tile {
  label: string;
  value: Compared;
  format: (value: number) => string;
  kind: 'count' | 'ratio';
  /** For bounce rate, going up is bad news. */
  upIsGood: boolean;
}

export function kpiTiles(overview: Overview): HTMLElement {
  const m = overview.metrics;
  const tiles: Tile[] = [
    { label: 'Events', value: m.events, format: formatCount, kind: 'count', upIsGood: true },
    { label: 'Page views', value: m.pageviews, format: formatCount, kind: 'count', upIsGood: true },
    { label: 'Visitors', value: m.uniqueUsers, format: formatCount, kind: 'count', upIsGood: true },
    { label: 'Sessions', value: m.sessions, format: formatCount, kind: 'count', upIsGood: true },
    { label: 'Bounce rate', value: m.bounceRate, format: formatPercent, kind: 'ratio', upIsGood: false },
    {
      label: 'Session length',
      value: m.avgSessionDurationSeconds,
      format: formatDuration,
      kind: 'count',
      upIsGood: true,
    },
  ];
  return h(
    'ul',
    { class: 'kpis', 'aria-label': 'Key numbers, compared with the previous period' },
    tiles.map((tile) => {
      const change = describeChange(tile.value.current, tile.value.previous, tile.kind);
      return h(
        'li',
        { class: 'kpi' },
        h('span', { class: 'kpi-label' }, tile.label),
        h('span', { class: 'kpi-value' }, tile.format(tile.value.current)),
        changeBadge(change, tile.upIsGood, `previously ${tile.format(tile.value.previous)}`),
      );
    }),
  );
}

function changeBadge(change: Change, upIsGood: boolean, previous: string): HTMLElement {
  const tone =
    change.direction === 'flat' ? 'flat' : (change.direction === 'up') === upIsGood ? 'good' : 'bad';
  const arrow = change.direction === 'up' ? '▲' : change.direction === 'down' ? '▼' : '';
  return h(
    'span',
    { class: `kpi-change ${tone}`, title: previous },
    h('span', { 'aria-hidden': 'true' }, arrow ? `${arrow} ${change.text}` : change.text),
    h('span', { class: 'sr-only' }, `${change.spoken}, ${previous}`),
  );
}
