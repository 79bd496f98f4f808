// The funnel builder: ordered steps (an event name, a page path or an event type), a conversion
// window, and the visitors who got through each step, with conversion from the step before.
import type { Api } from '../api.ts';
import { isAbort } from '../api.ts';
import { h, uid } from '../dom.ts';
import { formatCount, formatPercent } from '../format.ts';
import { errorBox, loading } from '../ui.ts';
import type { FunnelAnswer } from './types.ts';

/** The query API's limits (query-api/funnels: MIN_FUNNEL_STEPS, MAX_FUNNEL_STEPS). */
const MIN_STEPS = 2;
const MAX_STEPS = 10;
const FIELDS = [
  { id: 'name', label: 'Event name' },
  { id: 'path', label: 'Page path' },
  { id: 'type', label: 'Event type' },
] as const;
const WINDOWS = [
  { id: '30m', label: '30 minutes' },
  { id: '1h', label: '1 hour' },
  { id: '1d', label: '1 day' },
  { id: '7d', label: '7 days' },
  { id: '30d', label: '30 days' },
] as const;
const DEFAULT_WINDOW = '1d';

export interface FunnelSuggestions {
  name: string[];
  path: string[];
  type: string[];
}

export function funnelCard(
  api: Api,
  appId: string,
  range: { startDate: string; endDate?: string },
  suggestions: FunnelSuggestions,
  signal: AbortSignal,
): HTMLElement {
  const lists = {
    name: datalist(suggestions.name),
    path: datalist(suggestions.path),
    type: datalist(suggestions.type),
  };
  const steps = h('ol', { class: 'funnel-steps' });
  const addButton = h('button', { type: 'button', class: 'secondary small' }, 'Add step');
  const result = h('div', { class: 'funnel-result', 'aria-live': 'polite' });

  const renumber = () => {
    const rows = [...steps.children] as HTMLElement[];
    rows.forEach((row, index) => {
      const n = index + 1;
      row.querySelector('select')?.setAttribute('aria-label', `Step ${n}: match on`);
      row.querySelector('input')?.setAttribute('aria-label', `Step ${n}: value`);
      const remove = row.querySelector<HTMLButtonElement>('button');
      if (remove) {
        remove.setAttribute('aria-label', `Remove step ${n}`);
        remove.disabled = rows.length <= MIN_STEPS;
      }
      row.querySelector('.step-number')?.replaceChildren(String(n));
    });
    addButton.disabled = rows.length >= MAX_STEPS;
  };

  const addStep = (field: string, value: string) => {
    const select = h(
      'select',
      { name: 'field' },
      FIELDS.map((f) => h('option', { value: f.id, selected: f.id === field }, f.label)),
    );
    const input = h('input', {
      name: 'value',
      type: 'text',
      value,
      spellcheck: 'false',
      autocomplete: 'off',
    });
    const syncList = () => input.setAttribute('list', lists[select.value as keyof typeof lists].id);
    select.addEventListener('change', syncList);
    syncList();
    const remove = h('button', { type: 'button', class: 'ghost small' }, '✕');
    const row = h(
      'li',
      { class: 'funnel-step' },
      h('span', { class: 'step-number', 'aria-hidden': 'true' }),
      select,
      input,
      remove,
    );
    remove.addEventListener('click', () => {
      const next = (row.nextElementSibling ?? row.previousElementSibling)?.querySelector('input');
      row.remove();
      renumber();
      next?.focus();
    });
    steps.append(row);
    renumber();
    return input;
  };

  addButton.addEventListener('click', () => addStep('name', '').focus());
  const firstPath = suggestions.path[0] ?? '/';
  addStep('path', firstPath);
  addStep('name', suggestions.name[0] ?? '');

  const windowSelect = h(
    'select',
    { id: uid('window') },
    WINDOWS.map((w) => h('option', { value: w.id, selected: w.id === DEFAULT_WINDOW }, w.label)),
  );

  const form = h(
    'form',
    { class: 'funnel-form', 'aria-label': 'Funnel steps' },
    steps,
    h(
      'div',
      { class: 'funnel-controls' },
      addButton,
      h('label', { for: windowSelect.id }, 'Completed within'),
      windowSelect,
      h('button', { type: 'submit', class: 'primary small' }, 'Show funnel'),
    ),
    ...Object.values(lists),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = [...steps.children].map((row) => ({
      field: (row.querySelector('select') as HTMLSelectElement).value,
      value: (row.querySelector('input') as HTMLInputElement).value.trim(),
    }));
    const emptyIndex = chosen.findIndex((step) => step.value === '');
    if (emptyIndex >= 0) {
      result.replaceChildren(
        h('p', { class: 'alert error', role: 'alert' }, `Step ${emptyIndex + 1} needs a value.`),
      );
      (steps.children[emptyIndex]?.querySelector('input') as HTMLInputElement | null)?.focus();
      return;
    }
    result.replaceChildren(loading('Counting visitors through the steps…'));
    api
      .get<FunnelAnswer>(
        '/api/analytics/funnels',
        {
          appId,
          steps: chosen.map((step) => `${step.field}:${step.value}`),
          window: windowSelect.value,
          ...range,
        },
        signal,
      )
      .then(
        (answer) => result.replaceChildren(funnelBars(answer)),
        (error: unknown) => {
          if (isAbort(error)) return;
          result.replaceChildren(errorBox(error));
        },
      );
  });

  return h(
    'section',
    { class: 'card funnel', 'aria-labelledby': 'funnel-title' },
    h('h2', { id: 'funnel-title' }, 'Funnel'),
    h('p', { class: 'muted' }, 'Visitors who did each step in order, starting within the selected range.'),
    form,
    result,
  );
}

function datalist(values: readonly string[]): HTMLDataListElement {
  return h(
    'datalist',
    { id: uid('suggest') },
    values.map((value) => h('option', { value })),
  );
}

export function funnelBars(answer: FunnelAnswer): HTMLElement {
  const first = answer.steps[0]?.users ?? 0;
  if (first === 0) {
    return h('p', { class: 'muted' }, 'No visitor did the first step in this range.');
  }
  return h(
    'ol',
    { class: 'funnel-bars' },
    answer.steps.map((step, index) => {
      const bar = h('span', { class: 'funnel-fill', 'aria-hidden': 'true' });
      bar.style.width = `${Math.max(0.5, (step.users / first) * 100)}%`;
      return h(
        'li',
        null,
        h(
          'div',
          { class: 'funnel-label' },
          h('span', { class: 'muted' }, `${step.field} `),
          h('strong', null, step.value),
        ),
        h('div', { class: 'funnel-track' }, bar),
        h(
          'div',
          { class: 'funnel-numbers' },
          h('strong', null, `${formatCount(step.users)} visitors`),
          index === 0
            ? null
            : h(
                'span',
                { class: 'muted' },
                ` · ${formatPercent(step.conversionFromPrevious)} of step ${index}, ${formatPercent(step.conversionFromStart)} overall`,
              ),
        ),
      );
    }),
  );
}
