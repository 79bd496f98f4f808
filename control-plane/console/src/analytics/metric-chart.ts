// A custom metric over the selected range: rate for counters, averages for gauges, quantiles for
// histograms (the query API's aggregations), optionally split by one label.
import { type Api, ApiError, isAbort } from '../api.ts';
import { h } from '../dom.ts';
import type { MetricConfig } from '../types.ts';
import { emptyState, errorBox, loading } from '../ui.ts';
import { type TimeChart, timeChart } from './chart.ts';
import type { SeriesAnswer } from './types.ts';

/** What each type offers (query-api/metrics: AGGREGATIONS_BY_TYPE), the default first. */
export const AGGREGATIONS: Readonly<Record<MetricConfig['type'], readonly string[]>> = {
  counter: ['rate', 'increase', 'count'],
  gauge: ['avg', 'min', 'max', 'last', 'sum', 'count'],
  histogram: ['p95', 'p50', 'p75', 'p90', 'p99', 'avg', 'min', 'max', 'sum', 'count', 'rate'],
};

export function metricCard(options: {
  api: Api;
  appId: string;
  range: { startDate: string; endDate?: string };
  step: string;
  configs: readonly MetricConfig[];
  signal: AbortSignal;
  onLeave: (cleanup: () => void) => void;
}): HTMLElement {
  const { api, appId, range, step, configs, signal } = options;
  const card = h(
    'section',
    { class: 'card', 'aria-labelledby': 'metric-chart-title' },
    h('h2', { id: 'metric-chart-title' }, 'Metric'),
  );
  if (configs.length === 0) {
    card.append(
      emptyState(
        'No metrics defined',
        h('p', null, h('a', { href: `#/apps/${appId}/metrics` }, 'Define a metric'), ' to chart it here.'),
      ),
    );
    return card;
  }
  const metric = h(
    'select',
    { id: 'metric-name' },
    configs.map((c) => h('option', { value: c.name }, c.name)),
  );
  const aggregation = h('select', { id: 'metric-aggregation' });
  const split = h('select', { id: 'metric-split' });
  const result = h('div', { class: 'metric-result', 'aria-live': 'polite' });
  let chart: TimeChart | undefined;
  options.onLeave(() => chart?.destroy());

  const current = () => configs.find((c) => c.name === metric.value) ?? configs[0];
  const syncChoices = () => {
    const config = current();
    if (!config) return;
    aggregation.replaceChildren(...AGGREGATIONS[config.type].map((a) => h('option', { value: a }, a)));
    split.replaceChildren(
      h('option', { value: '' }, 'Nothing'),
      ...config.labelNames.map((l) => h('option', { value: l }, l)),
    );
  };

  const draw = () => {
    const config = current();
    if (!config) return;
    chart?.destroy();
    chart = undefined;
    result.replaceChildren(loading('Loading the metric…'));
    api
      .get<SeriesAnswer>(
        `/api/analytics/metrics/${encodeURIComponent(config.name)}/series`,
        {
          appId,
          step,
          aggregation: aggregation.value,
          by: split.value ? [split.value] : undefined,
          ...range,
        },
        signal,
      )
      .then(
        (answer) => {
          const first = answer.series[0];
          if (!first || answer.series.every((s) => s.points.every((p) => p.value === null))) {
            result.replaceChildren(emptyState(`No samples of ${config.name} in this range`));
            return;
          }
          chart = timeChart({
            times: first.points.map((p) => Date.parse(p.start) / 1000),
            series: answer.series.map((s) => ({
              label: Object.keys(s.labels).length
                ? Object.values(s.labels).join(', ') || '(none)'
                : `${config.name} (${answer.aggregation})`,
              values: s.points.map((p) => p.value),
            })),
            timeZone: answer.range.timeZone,
            describe: `${config.name}, ${answer.aggregation} per ${answer.stepSeconds} seconds`,
            height: 220,
          });
          result.replaceChildren(chart.element);
        },
        (error: unknown) => {
          if (isAbort(error)) return;
          if (error instanceof ApiError && error.code === 'metric_not_found') {
            result.replaceChildren(
              emptyState(
                `No samples of ${config.name} yet`,
                h('p', null, 'They appear here once your pages or servers send some.'),
              ),
            );
            return;
          }
          result.replaceChildren(errorBox(error, draw));
        },
      );
  };

  metric.addEventListener('change', () => {
    syncChoices();
    draw();
  });
  aggregation.addEventListener('change', draw);
  split.addEventListener('change', draw);
  syncChoices();
  card.append(
    h(
      'div',
      { class: 'inline-form' },
      h('div', { class: 'field' }, h('label', { for: 'metric-name' }, 'Metric'), metric),
      h('div', { class: 'field' }, h('label', { for: 'metric-aggregation' }, 'Aggregation'), aggregation),
      h('div', { class: 'field' }, h('label', { for: 'metric-split' }, 'Split by'), split),
    ),
    result,
  );
  draw();
  return card;
}
