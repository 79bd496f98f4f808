// One app's metric configs: what custom metrics exist, their type and labels, and what the
// browser tracker records for them on its own. Create, edit, enable/disable, delete.
import type { View, ViewContext } from '../context.ts';
import { field, h } from '../dom.ts';
import type { MetricConfig } from '../types.ts';
import {
  announce,
  confirmDialog,
  emptyState,
  formField,
  formSummary,
  loadInto,
  onSubmit,
  pageHeader,
  showFieldErrors,
  tableScroll,
} from '../ui.ts';
import {
  describeTracking,
  formValuesOf,
  METRIC_PATTERN_HINTS,
  type MetricFormValues,
  type MetricType,
  metricBody,
} from './metric-draft.ts';

const TYPES: readonly { value: MetricType; label: string }[] = [
  { value: 'counter', label: 'Counter: only goes up (signups, clicks)' },
  { value: 'gauge', label: 'Gauge: goes up and down (cart value, queue depth)' },
  { value: 'histogram', label: 'Histogram: observations in buckets (load time)' },
];

export const metricsView: View = (main, ctx) => {
  const appId = ctx.params.appId ?? '';
  const list = h('section', { class: 'card', 'aria-labelledby': 'metrics-title' });
  const formSlot = h('section', { class: 'card', 'aria-labelledby': 'metric-form-title' });
  const notice = h('div');

  const reload = () =>
    loadInto(
      list,
      () => ctx.api.get<{ metricConfigs: MetricConfig[] }>('/api/metric-configs', { appId }, ctx.signal),
      ({ metricConfigs }) => [
        h('h2', { id: 'metrics-title' }, 'Defined metrics'),
        metricTable(ctx, metricConfigs, edit, reload),
      ],
      'Loading metrics…',
    );

  const showForm = (editing?: MetricConfig) => {
    formSlot.replaceChildren(
      ...metricForm(
        ctx,
        appId,
        editing,
        async (saved, verb) => {
          notice.replaceChildren(
            ...(saved.warnings.length
              ? [
                  h(
                    'div',
                    { class: 'alert info', role: 'status' },
                    h('p', null, `Saved “${saved.name}”, with advice:`),
                    h(
                      'ul',
                      null,
                      saved.warnings.map((warning) => h('li', null, warning.message)),
                    ),
                  ),
                ]
              : []),
          );
          announce(`Metric “${saved.name}” ${verb}`);
          showForm();
          await reload();
        },
        () => showForm(),
      ),
    );
  };
  const edit = (config: MetricConfig) => {
    showForm(config);
    formSlot.querySelector<HTMLInputElement>('input[name="name"]')?.focus();
  };

  main.append(
    pageHeader('Metrics', 'Custom metrics your code or the tracker sends, in Prometheus style.'),
    notice,
    list,
    formSlot,
  );
  showForm();
  void reload();
};

function metricTable(
  ctx: ViewContext,
  configs: MetricConfig[],
  edit: (config: MetricConfig) => void,
  reload: () => Promise<void>,
): HTMLElement {
  if (configs.length === 0) {
    return emptyState(
      'No metrics yet',
      h('p', null, 'Define one below; the tracker and your code can then send samples of it.'),
    );
  }
  const table = h(
    'table',
    { class: 'data responsive' },
    h('caption', { class: 'sr-only' }, 'Metric configs of this app'),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['Name', 'Type', 'Labels', 'Recorded', 'Status', 'Actions'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      null,
      configs.map((config) => {
        const editButton = h(
          'button',
          { type: 'button', class: 'secondary small', 'aria-label': `Edit ${config.name}` },
          'Edit',
        );
        editButton.addEventListener('click', () => edit(config));
        const remove = h(
          'button',
          { type: 'button', class: 'danger small', 'aria-label': `Delete ${config.name}` },
          'Delete',
        );
        remove.addEventListener('click', () => {
          void (async () => {
            const confirmed = await confirmDialog({
              title: `Delete ${config.name}?`,
              body: h(
                'p',
                null,
                'The tracker stops recording it and new samples are refused. Samples already stored are kept.',
              ),
              confirmLabel: 'Delete metric',
              danger: true,
            });
            if (!confirmed) return;
            try {
              await ctx.api.del(`/api/metric-configs/${config.id}`);
              announce(`Metric ${config.name} deleted`);
              await reload();
            } catch (error) {
              announce(error instanceof Error ? error.message : 'Could not delete the metric');
            }
          })();
        });
        return h(
          'tr',
          null,
          h(
            'td',
            { 'data-label': 'Name' },
            h('code', null, config.name),
            config.help ? h('div', { class: 'muted small' }, config.help) : null,
          ),
          h('td', { 'data-label': 'Type' }, config.type),
          h(
            'td',
            { 'data-label': 'Labels' },
            config.labelNames.length ? config.labelNames.join(', ') : h('span', { class: 'muted' }, 'none'),
          ),
          h('td', { 'data-label': 'Recorded' }, describeTracking(config.track)),
          h(
            'td',
            { 'data-label': 'Status' },
            h(
              'span',
              { class: `badge badge-${config.enabled ? 'active' : 'expired'}` },
              config.enabled ? 'enabled' : 'disabled',
            ),
          ),
          h('td', { 'data-label': 'Actions', class: 'row-actions' }, editButton, remove),
        );
      }),
    ),
  );
  return tableScroll('Metric configs', table);
}

function metricForm(
  ctx: ViewContext,
  appId: string,
  editing: MetricConfig | undefined,
  saved: (config: MetricConfig, verb: string) => Promise<void>,
  cancel: () => void,
): HTMLElement[] {
  const values: Partial<MetricFormValues> = editing
    ? formValuesOf(editing)
    : { pageViews: false, enabled: true };
  const type = h(
    'select',
    { name: 'type', disabled: Boolean(editing) },
    TYPES.map((t) =>
      h('option', { value: t.value, selected: t.value === (values.type ?? 'counter') }, t.label),
    ),
  );
  const buckets = formField({
    name: 'buckets',
    label: 'Buckets',
    hint: 'Upper bounds, increasing, e.g. 0.1, 0.5, 1, 5. Empty: the Prometheus defaults (5 ms to 10 s).',
    control: h('input', { name: 'buckets', type: 'text', inputmode: 'decimal', value: values.buckets ?? '' }),
  });
  const syncType = () => {
    buckets.hidden = type.value !== 'histogram';
  };
  type.addEventListener('change', syncType);
  syncType();

  // The API field a checkbox reports errors for; the scroll and form switches leave theirs to
  // the detail inputs below them, where a threshold or selector problem shows.
  const checkbox = (name: keyof MetricFormValues, label: string, apiField = `track.${name}`) =>
    formField({
      name: apiField,
      label,
      variant: 'checkbox',
      control: h('input', { name, type: 'checkbox', checked: values[name] === true }),
    });

  const form = h(
    'form',
    { class: 'stack' },
    formSummary(),
    h(
      'div',
      { class: 'field-row' },
      formField({
        name: 'name',
        label: 'Name',
        hint: 'Letters, digits, _ and :. Counters end in _total by convention.',
        control: h('input', {
          name: 'name',
          type: 'text',
          maxlength: 200,
          required: true,
          spellcheck: 'false',
          autocapitalize: 'off',
          value: values.name ?? '',
        }),
      }),
      formField({
        name: 'type',
        label: 'Type',
        hint: editing ? 'A metric’s type cannot change; create a new metric instead.' : undefined,
        control: type,
      }),
    ),
    formField({
      name: 'help',
      label: 'Description (optional)',
      control: h('input', { name: 'help', type: 'text', maxlength: 500, value: values.help ?? '' }),
    }),
    formField({
      name: 'labelNames',
      label: 'Label names (optional)',
      hint: 'Comma separated, e.g. plan, region. Each label multiplies the series stored; up to 10.',
      control: h('input', {
        name: 'labelNames',
        type: 'text',
        spellcheck: 'false',
        autocapitalize: 'off',
        value: values.labelNames ?? '',
      }),
    }),
    buckets,
    h(
      'fieldset',
      { class: 'group' },
      h('legend', null, 'Recorded automatically by the browser tracker'),
      checkbox('pageViews', 'Page views (including single-page navigation)'),
      formField({
        name: 'track.clicks',
        label: 'Clicks on elements matching (one CSS selector per line)',
        control: h('textarea', { name: 'clicks', rows: 2, spellcheck: 'false', value: values.clicks ?? '' }),
      }),
      checkbox('scrollDepth', 'Scroll depth', 'track.scrollDepthSwitch'),
      formField({
        name: 'track.scrollDepth',
        label: 'Scroll thresholds in % (optional)',
        hint: 'Comma separated and increasing. Empty: 25, 50, 75, 100.',
        control: h('input', {
          name: 'scrollThresholds',
          type: 'text',
          inputmode: 'numeric',
          value: values.scrollThresholds ?? '',
        }),
      }),
      checkbox('formSubmissions', 'Form submissions', 'track.formSubmissionsSwitch'),
      formField({
        name: 'track.formSubmissions',
        label: 'Only forms matching (optional, one selector per line)',
        control: h('textarea', {
          name: 'formSelectors',
          rows: 2,
          spellcheck: 'false',
          value: values.formSelectors ?? '',
        }),
      }),
      formField({
        name: 'track.customEvents',
        label: 'Custom events (optional, comma separated)',
        hint: 'DOM events on document, or clickstream.track(name) calls.',
        control: h('input', {
          name: 'customEvents',
          type: 'text',
          spellcheck: 'false',
          value: values.customEvents ?? '',
        }),
      }),
    ),
    formField({
      name: 'enabled',
      label: 'Enabled (included in the snippet and accepted by ingest)',
      variant: 'checkbox',
      control: h('input', { name: 'enabled', type: 'checkbox', checked: values.enabled !== false }),
    }),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, editing ? 'Save changes' : 'Create metric'),
      editing ? h('button', { type: 'button', class: 'secondary', onclick: cancel }, 'Cancel') : null,
    ),
  );

  onSubmit(
    form,
    async () => {
      const text = (name: string) => field<HTMLInputElement>(form, name).value;
      const checked = (name: string) => field<HTMLInputElement>(form, name).checked;
      const { body, issues } = metricBody({
        name: text('name'),
        type: type.value as MetricType,
        help: text('help'),
        labelNames: text('labelNames'),
        buckets: text('buckets'),
        pageViews: checked('pageViews'),
        clicks: text('clicks'),
        scrollDepth: checked('scrollDepth'),
        scrollThresholds: text('scrollThresholds'),
        formSubmissions: checked('formSubmissions'),
        formSelectors: text('formSelectors'),
        customEvents: text('customEvents'),
        enabled: checked('enabled'),
      });
      if (issues.length) {
        showFieldErrors(form, issues, METRIC_PATTERN_HINTS);
        return;
      }
      const config = editing
        ? await ctx.api.put<MetricConfig>(`/api/metric-configs/${editing.id}`, body)
        : await ctx.api.post<MetricConfig>('/api/metric-configs', { appId, ...body });
      await saved(config, editing ? 'saved' : 'created');
    },
    { patternHints: METRIC_PATTERN_HINTS, fieldForCode: { metric_name_taken: 'body.name' } },
  );

  return [h('h2', { id: 'metric-form-title' }, editing ? `Edit ${editing.name}` : 'Define a metric'), form];
}
