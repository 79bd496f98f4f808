// How numbers, times and changes read in the console. Pure functions: tested in node.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** 1234 -> "1,234"; from a million on, "1.2M". */
export function formatCount(value: number): string {
  return Math.abs(value) >= 1_000_000 ? compact.format(value) : integer.format(value);
}

/** A metric value: up to three significant decimals, compact when large. */
export function formatValue(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 1_000_000) return compact.format(value);
  if (Number.isInteger(value)) return integer.format(value);
  return new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 }).format(value);
}

/** 0.4567 -> "45.7%". */
export function formatPercent(ratio: number): string {
  return `${oneDecimal.format(ratio * 100)}%`;
}

/** 83 -> "1m 23s"; 7260 -> "2h 1m". */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total}s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes}m ${total % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/** A date-time for tables: "12 Mar 2026, 14:05" in the viewer's zone (or the one given). */
export function formatDateTime(iso: string | null, timeZone?: string): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '–';
  return new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(timeZone ? { timeZone } : {}),
  }).format(date);
}

const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400],
  ['month', 30 * 86_400],
  ['week', 7 * 86_400],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 minutes ago", "in 2 days", "just now". */
export function formatRelative(iso: string | null, now: number): string {
  if (!iso) return 'never';
  const seconds = (new Date(iso).getTime() - now) / 1000;
  if (Number.isNaN(seconds)) return '–';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.trunc(seconds / size), unit);
  }
  return 'just now';
}

export interface Change {
  /** What the tile shows, e.g. "+12.5%", "−3 pts", "new". */
  text: string;
  direction: 'up' | 'down' | 'flat';
  /** For screen readers: "up 12.5% from the previous period". */
  spoken: string;
}

/**
 * The change from the previous period. Ratios (bounce rate) change in percentage points, counts
 * and durations in percent; nothing before is "new", nothing now and before is flat.
 */
export function describeChange(current: number, previous: number, kind: 'count' | 'ratio'): Change {
  if (kind === 'ratio') {
    const points = (current - previous) * 100;
    const rounded = Math.round(points * 10) / 10;
    if (rounded === 0)
      return { text: '±0 pts', direction: 'flat', spoken: 'unchanged from the previous period' };
    const direction = rounded > 0 ? 'up' : 'down';
    const size = `${oneDecimal.format(Math.abs(rounded))} pts`;
    return {
      text: `${rounded > 0 ? '+' : '−'}${size}`,
      direction,
      spoken: `${direction} ${size} from the previous period`,
    };
  }
  if (previous === 0) {
    return current === 0
      ? { text: '±0%', direction: 'flat', spoken: 'unchanged from the previous period' }
      : { text: 'new', direction: 'up', spoken: 'none in the previous period' };
  }
  const percent = Math.round(((current - previous) / previous) * 1000) / 10;
  if (percent === 0) return { text: '±0%', direction: 'flat', spoken: 'unchanged from the previous period' };
  const direction = percent > 0 ? 'up' : 'down';
  const size = `${oneDecimal.format(Math.abs(percent))}%`;
  return {
    text: `${percent > 0 ? '+' : '−'}${size}`,
    direction,
    spoken: `${direction} ${size} from the previous period`,
  };
}

/** Split a textarea or comma list into trimmed, non-empty, de-duplicated items. */
export function splitList(text: string, separator: RegExp = /[\n,]/): string[] {
  return [
    ...new Set(
      text
        .split(separator)
        .map((item) => item.trim())
        .filter(Boolean),
    ),
  ];
}
