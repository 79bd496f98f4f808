// Time-series charts with uPlot (small, fast, canvas; no inline styles, so the CSP is happy).
// A chart follows its container's width, draws times in the app's time zone, and comes with a
// data table for screen readers and keyboard users, since a canvas says nothing to them.
import uPlot from 'uplot';
import { h } from '../dom.ts';
import { formatValue } from '../format.ts';

// Distinct in hue and lightness, readable on light and dark backgrounds.
export const PALETTE = [
  '#4f46e5',
  '#0891b2',
  '#d97706',
  '#db2777',
  '#16a34a',
  '#7c3aed',
  '#dc2626',
  '#0d9488',
];
const DEFAULT_HEIGHT = 260;
// Most series rows a data table shows before it stops being useful to read.
const MAX_TABLE_ROWS = 400;

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

export interface TimeChart {
  element: HTMLElement;
  destroy(): void;
}

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/**
 * A line chart of `series` over `times` (epoch seconds). `describe` is the chart's accessible
 * name. `fillFirst` shades under the first series (the headline one).
 */
export function timeChart(options: {
  times: number[];
  series: ChartSeries[];
  timeZone: string;
  describe: string;
  height?: number;
  fillFirst?: boolean;
}): TimeChart {
  const { times, series, timeZone } = options;
  const height = options.height ?? DEFAULT_HEIGHT;
  const holder = h('div', { class: 'chart', role: 'img', 'aria-label': options.describe });
  const axis = cssVar('--chart-axis', '#6b7280');
  const grid = cssVar('--chart-grid', 'rgba(0,0,0,0.07)');
  const opts: uPlot.Options = {
    width: 600,
    height,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), timeZone),
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    series: [
      {},
      ...series.map((s, index) => ({
        label: s.label,
        stroke: PALETTE[index % PALETTE.length],
        width: 2,
        fill: index === 0 && options.fillFirst ? `${PALETTE[0]}1f` : undefined,
        points: { show: times.length <= 60 },
        value: (_u: uPlot, v: number | null) => formatValue(v),
      })),
    ],
    axes: [
      { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
      {
        stroke: axis,
        grid: { stroke: grid, width: 1 },
        ticks: { show: false },
        size: 56,
        values: (_u, values) => values.map((v) => formatValue(v)),
      },
    ],
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
  };
  const data: uPlot.AlignedData = [times, ...series.map((s) => s.values)];
  const plot = new uPlot(opts, data, holder);

  // Follow the container's width; height is fixed so the page does not jump.
  const observer = new ResizeObserver((entries) => {
    const width = Math.floor(entries[0]?.contentRect.width ?? 0);
    if (width > 0 && width !== plot.width) plot.setSize({ width, height });
  });
  observer.observe(holder);

  const table = dataTable(times, series, timeZone);
  const element = h('div', { class: 'chart-wrap' }, holder, table);
  return {
    element,
    destroy() {
      observer.disconnect();
      plot.destroy();
    },
  };
}

function dataTable(times: number[], series: ChartSeries[], timeZone: string): HTMLElement {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
  const rows = times.slice(-MAX_TABLE_ROWS).map((time, offset) => {
    const index = times.length - Math.min(times.length, MAX_TABLE_ROWS) + offset;
    return h(
      'tr',
      null,
      h('th', { scope: 'row' }, format.format(new Date(time * 1000))),
      series.map((s) => h('td', { class: 'num' }, formatValue(s.values[index] ?? null))),
    );
  });
  return h(
    'details',
    { class: 'chart-table' },
    h('summary', null, 'Show as a table'),
    h(
      'div',
      { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Chart data' },
      h(
        'table',
        { class: 'data compact' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, 'Time'),
            series.map((s) => h('th', { scope: 'col' }, s.label)),
          ),
        ),
        h('tbody', null, rows),
      ),
    ),
  );
}
