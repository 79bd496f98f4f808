// Top-N tables (pages, referrers, browsers, OS, devices, and any dimension on request): value,
// events with a share bar, visitors, and the change from the previous period where known.
import type { Api } from '../api.ts';
import { h } from '../dom.ts';
import { describeChange, formatCount } from '../format.ts';
import { emptyState, loadInto } from '../ui.ts';
import type { Breakdown, BreakdownRow } from './types.ts';

export interface BreakdownSpec {
  title: string;
  column: string;
  /** How to show "" (no value): "Direct" for referrers, "(none)" elsewhere. */
  emptyValue?: string;
}

export function labelOf(row: BreakdownRow, emptyValue = '(none)'): string {
  if (row.value === null) return `Other (${formatCount(row.other?.values ?? 0)} more)`;
  return row.value === '' ? emptyValue : row.value;
}

export function breakdownTable(spec: BreakdownSpec, rows: readonly BreakdownRow[]): HTMLElement {
  const card = h('section', { class: 'card breakdown' }, h('h3', null, spec.title));
  if (rows.length === 0) {
    card.append(emptyState('No data in this range'));
    return card;
  }
  const max = Math.max(...rows.map((row) => row.events), 1);
  card.append(
    h(
      'table',
      { class: 'data compact' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, spec.column),
          h('th', { scope: 'col', class: 'num' }, 'Events'),
          h('th', { scope: 'col', class: 'num' }, 'Visitors'),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((row) => {
          const bar = h('span', { class: 'bar', 'aria-hidden': 'true' });
          // CSSOM, not a style attribute: allowed by the CSP.
          bar.style.width = `${Math.max(1, (row.events / max) * 100)}%`;
          // Against an empty previous period every row would say "new": only real changes show.
          const change =
            row.previous && row.previous.events > 0
              ? describeChange(row.events, row.previous.events, 'count')
              : undefined;
          return h(
            'tr',
            { class: row.value === null ? 'other' : null },
            h(
              'th',
              { scope: 'row', class: 'label-cell' },
              bar,
              h(
                'span',
                { class: 'label-text', title: labelOf(row, spec.emptyValue) },
                labelOf(row, spec.emptyValue),
              ),
            ),
            h(
              'td',
              { class: 'num' },
              formatCount(row.events),
              change && change.direction !== 'flat'
                ? h('span', { class: `delta ${change.direction}`, title: change.spoken }, ` ${change.text}`)
                : null,
            ),
            h('td', { class: 'num' }, formatCount(row.uniqueUsers)),
          );
        }),
      ),
    ),
  );
  return card;
}

const EXPLORE_DIMENSIONS = [
  { id: 'utm_source', label: 'UTM source' },
  { id: 'utm_medium', label: 'UTM medium' },
  { id: 'utm_campaign', label: 'UTM campaign' },
  { id: 'country', label: 'Country' },
  { id: 'event_name', label: 'Event name' },
  { id: 'event_type', label: 'Event type' },
  { id: 'metadata', label: 'Event property…' },
] as const;

/** Any other dimension, on request, from /api/analytics/breakdown. */
export function exploreCard(
  api: Api,
  appId: string,
  range: { startDate: string; endDate?: string },
  signal: AbortSignal,
): HTMLElement {
  const dimension = h(
    'select',
    { id: 'explore-dimension' },
    EXPLORE_DIMENSIONS.map((d) => h('option', { value: d.id }, d.label)),
  );
  const key = h('input', { id: 'explore-key', type: 'text', placeholder: 'e.g. plan', spellcheck: 'false' });
  const keyField = h(
    'div',
    { class: 'field', hidden: true },
    h('label', { for: 'explore-key' }, 'Property key'),
    key,
  );
  const result = h('div', { 'aria-live': 'polite' });
  const run = () => {
    const chosen = dimension.value;
    if (chosen === 'metadata' && key.value.trim() === '') {
      result.replaceChildren(
        h('p', { class: 'muted' }, 'Enter a property key (dots reach into nested objects).'),
      );
      return;
    }
    const label = EXPLORE_DIMENSIONS.find((d) => d.id === chosen)?.label ?? chosen;
    void loadInto(
      result,
      () =>
        api.get<Breakdown>(
          '/api/analytics/breakdown',
          {
            appId,
            dimension: chosen,
            ...(chosen === 'metadata' ? { key: key.value.trim() } : {}),
            ...range,
          },
          signal,
        ),
      (answer) =>
        breakdownTable({ title: label, column: label.replace('…', '') }, answer.rows).querySelector(
          'table',
        ) ?? emptyState('No data in this range'),
    );
  };
  dimension.addEventListener('change', () => {
    keyField.hidden = dimension.value !== 'metadata';
    run();
  });
  const form = h(
    'form',
    { class: 'inline-form' },
    h('div', { class: 'field' }, h('label', { for: 'explore-dimension' }, 'Break down by'), dimension),
    keyField,
    h('button', { type: 'submit', class: 'secondary small' }, 'Show'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run();
  });
  run();
  return h('section', { class: 'card breakdown explore' }, h('h3', null, 'Explore'), form, result);
}
