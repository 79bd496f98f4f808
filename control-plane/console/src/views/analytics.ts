// One app's numbers: range and interval pickers, headline tiles against the previous period,
// the timeline, breakdown tables, a funnel builder, a metric chart and a live count. The choice
// of range and interval lives in the URL, so a reload or a shared link shows the same view.
import { breakdownTable, exploreCard } from '../analytics/breakdowns.ts';
import { type TimeChart, timeChart } from '../analytics/chart.ts';
import { funnelCard } from '../analytics/funnel.ts';
import { kpiTiles } from '../analytics/kpis.ts';
import { liveCount } from '../analytics/live-count.ts';
import { metricCard } from '../analytics/metric-chart.ts';
import {
  allowedIntervals,
  customRangeProblem,
  INTERVALS,
  type IntervalId,
  intervalFromQuery,
  metricStep,
  RANGE_PRESETS,
  type RangeChoice,
  rangeFromQuery,
  rangeMs,
  rangeParams,
  rangeToQuery,
} from '../analytics/range.ts';
import type { Breakdown, Overview, Timeline } from '../analytics/types.ts';
import { analyticsError, isQueryApiMissing, QUERY_API_MISSING } from '../analytics/unavailable.ts';
import { isAbort } from '../api.ts';
import type { View, ViewContext } from '../context.ts';
import { h } from '../dom.ts';
import { formatDateTime } from '../format.ts';
import { hrefOf } from '../router.ts';
import type { MetricConfig } from '../types.ts';
import { emptyState, errorBox, loading, pageHeader } from '../ui.ts';

export const analyticsView: View = async (main, ctx) => {
  const appId = ctx.params.appId ?? '';
  const range = rangeFromQuery(ctx.query);
  const interval = intervalFromQuery(ctx.query, range);
  const app = await ctx.apps.get(appId).catch(() => undefined);

  const setView = (next: RangeChoice, nextInterval: IntervalId) =>
    ctx.navigate(hrefOf(`/apps/${appId}/analytics`, rangeToQuery(next, nextInterval)).slice(1));

  main.append(
    pageHeader('Analytics', app ? app.name : undefined, controls(range, interval, setView)),
    h(
      'div',
      { class: 'analytics-top' },
      liveCount(ctx.api, appId, ctx.signal),
      h('div', { class: 'kpi-slot' }, loading('Loading key numbers…')),
    ),
  );
  const kpiSlot = main.querySelector('.kpi-slot') as HTMLElement;
  const timelineCard = h(
    'section',
    { class: 'card', 'aria-labelledby': 'timeline-title' },
    h('h2', { id: 'timeline-title' }, 'Events over time'),
    loading('Loading the timeline…'),
  );
  const breakdownGrid = h(
    'div',
    { class: 'grid breakdowns', 'aria-label': 'Breakdowns' },
    loading('Loading breakdowns…'),
  );
  const funnelSlot = h('div');
  const metricSlot = h('div');
  main.append(
    timelineCard,
    h('h2', { class: 'section-title' }, 'Where visitors come from and what they use'),
    breakdownGrid,
    funnelSlot,
    metricSlot,
  );

  const params = rangeParams(range);
  const charts: TimeChart[] = [];
  ctx.onLeave(() => {
    for (const chart of charts) chart.destroy();
  });

  const timeline = ctx.api
    .get<Timeline>('/api/analytics/events/timeline', { appId, interval, ...params }, ctx.signal)
    .then((answer) => {
      const total = answer.buckets.reduce((sum, b) => sum + b.events, 0);
      const heading = timelineCard.querySelector('h2');
      timelineCard.replaceChildren(
        h(
          'div',
          { class: 'card-head' },
          heading ?? h('h2', null, 'Events over time'),
          h(
            'span',
            { class: 'muted' },
            `${formatDateTime(answer.range.start, answer.range.timeZone)} – ${formatDateTime(answer.range.end, answer.range.timeZone)} (${answer.range.timeZone})`,
          ),
        ),
      );
      if (total === 0) {
        timelineCard.append(
          emptyState(
            'No events in this range yet',
            h(
              'p',
              null,
              'Install the ',
              h('a', { href: `#/apps/${appId}/snippet` }, 'tracking snippet'),
              ' or pick a longer range.',
            ),
          ),
        );
        return;
      }
      const chart = timeChart({
        times: answer.buckets.map((b) => Date.parse(b.start) / 1000),
        series: [
          { label: 'Events', values: answer.buckets.map((b) => b.events) },
          { label: 'Visitors', values: answer.buckets.map((b) => b.uniqueUsers) },
          { label: 'Sessions', values: answer.buckets.map((b) => b.sessions) },
        ],
        timeZone: answer.range.timeZone,
        describe: `Events, visitors and sessions per ${answer.interval}: ${total} events in the range`,
        fillFirst: true,
      });
      charts.push(chart);
      timelineCard.append(chart.element);
    })
    .catch((error: unknown) => showError(timelineCard, error, ctx));

  const overview = ctx.api
    .get<Overview>(`/api/analytics/apps/${appId}/overview`, params, ctx.signal)
    .then((answer) => {
      kpiSlot.replaceChildren(kpiTiles(answer));
      breakdownGrid.replaceChildren(
        breakdownTable({ title: 'Pages', column: 'Path' }, answer.topPages),
        breakdownTable(
          { title: 'Referrers', column: 'Referrer', emptyValue: 'Direct / none' },
          answer.topReferrers,
        ),
        breakdownTable({ title: 'Browsers', column: 'Browser' }, answer.browsers),
        breakdownTable({ title: 'Operating systems', column: 'OS' }, answer.os),
        breakdownTable({ title: 'Devices', column: 'Device' }, answer.devices),
        exploreCard(ctx.api, appId, params, ctx.signal),
      );
      return answer;
    })
    .catch((error: unknown) => {
      if (isQueryApiMissing(error)) showUnavailable(main, ctx);
      else showError(kpiSlot, error, ctx);
      breakdownGrid.replaceChildren();
      return undefined;
    });

  // The funnel's suggestions come from what the app actually sends.
  void Promise.all([
    overview,
    ctx.api
      .get<Breakdown>(
        '/api/analytics/breakdown',
        { appId, dimension: 'event_name', limit: 20, ...params },
        ctx.signal,
      )
      .catch(() => undefined),
  ]).then(([answer, names]) => {
    if (!answer || ctx.signal.aborted) return;
    funnelSlot.replaceChildren(
      funnelCard(
        ctx.api,
        appId,
        params,
        {
          path: answer.topPages.flatMap((row) => (row.value ? [row.value] : [])),
          name: (names?.rows ?? []).flatMap((row) => (row.value ? [row.value] : [])),
          type: ['pageview', 'track', 'identify', 'screen'],
        },
        ctx.signal,
      ),
    );
  });

  void ctx.api.get<{ metricConfigs: MetricConfig[] }>('/api/metric-configs', { appId }, ctx.signal).then(
    ({ metricConfigs }) =>
      metricSlot.replaceChildren(
        metricCard({
          api: ctx.api,
          appId,
          range: params,
          step: metricStep(rangeMs(range)),
          configs: metricConfigs,
          signal: ctx.signal,
          onLeave: ctx.onLeave,
        }),
      ),
    (error: unknown) => showError(metricSlot, error, ctx),
  );

  if (ctx.config.grafanaUrl) {
    main.append(
      h(
        'p',
        { class: 'muted grafana-note' },
        'Need more? The same tables are in ',
        h('a', { href: ctx.config.grafanaUrl, target: '_blank', rel: 'noopener noreferrer' }, 'Grafana'),
        '.',
      ),
    );
  }
  await Promise.allSettled([timeline, overview]);
};

function showError(target: HTMLElement, error: unknown, ctx: ViewContext): void {
  if (isAbort(error)) return;
  target.replaceChildren(errorBox(analyticsError(error), () => ctx.navigate(window.location.hash.slice(1))));
}

/** No query API on this server: one explanation instead of an error in every card. */
function showUnavailable(main: HTMLElement, ctx: ViewContext): void {
  const header = main.querySelector('.page-header');
  main.replaceChildren(
    ...(header ? [header] : []),
    h(
      'div',
      { class: 'alert warning', role: 'alert' },
      h('p', null, h('strong', null, QUERY_API_MISSING)),
      h(
        'p',
        null,
        'Run the all-in-one server (npm start) or the query-api service behind the same address, then ',
        h(
          'button',
          {
            type: 'button',
            class: 'secondary small',
            onclick: () => ctx.navigate(window.location.hash.slice(1)),
          },
          'try again',
        ),
        '.',
      ),
    ),
  );
}

function controls(
  range: RangeChoice,
  interval: IntervalId,
  setView: (range: RangeChoice, interval: IntervalId) => void,
): HTMLElement {
  const rangeSelect = h(
    'select',
    { id: 'range', name: 'range' },
    RANGE_PRESETS.map((p) =>
      h('option', { value: p.id, selected: range.kind === 'preset' && range.id === p.id }, p.label),
    ),
    h('option', { value: 'custom', selected: range.kind === 'custom' }, 'Custom dates…'),
  );
  const allowed = allowedIntervals(rangeMs(range));
  const intervalSelect = h(
    'select',
    { id: 'interval', name: 'interval' },
    INTERVALS.filter((i) => allowed.includes(i.id)).map((i) =>
      h('option', { value: i.id, selected: i.id === interval }, i.label),
    ),
  );
  const today = new Date().toISOString().slice(0, 10);
  const from = h('input', {
    id: 'range-from',
    type: 'date',
    max: today,
    value: range.kind === 'custom' ? range.from : '',
  });
  const to = h('input', {
    id: 'range-to',
    type: 'date',
    max: today,
    value: range.kind === 'custom' ? range.to : today,
  });
  const problem = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const apply = h('button', { type: 'submit', class: 'secondary small' }, 'Apply');
  const custom = h(
    'form',
    { class: 'custom-range', hidden: range.kind !== 'custom', 'aria-label': 'Custom range' },
    h('div', { class: 'field' }, h('label', { for: 'range-from' }, 'From'), from),
    h('div', { class: 'field' }, h('label', { for: 'range-to' }, 'To'), to),
    apply,
    problem,
  );
  custom.addEventListener('submit', (event) => {
    event.preventDefault();
    const message = customRangeProblem(from.value, to.value);
    if (message) {
      problem.textContent = message;
      problem.hidden = false;
      return;
    }
    const next: RangeChoice = { kind: 'custom', from: from.value, to: to.value };
    setView(next, intervalFromQuery(new URLSearchParams(), next));
  });
  rangeSelect.addEventListener('change', () => {
    if (rangeSelect.value === 'custom') {
      custom.hidden = false;
      from.focus();
      return;
    }
    const next = rangeFromQuery(new URLSearchParams({ range: rangeSelect.value }));
    setView(next, intervalFromQuery(new URLSearchParams(), next));
  });
  intervalSelect.addEventListener('change', () => setView(range, intervalSelect.value as IntervalId));
  return h(
    'div',
    { class: 'analytics-controls' },
    h('div', { class: 'field' }, h('label', { for: 'range' }, 'Range'), rangeSelect),
    h('div', { class: 'field' }, h('label', { for: 'interval' }, 'Interval'), intervalSelect),
    custom,
  );
}
