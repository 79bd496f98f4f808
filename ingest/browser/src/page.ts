// What a page view says about the page, as pure functions of location values.

const UTM_FIELDS = ['source', 'medium', 'campaign', 'term', 'content'] as const;

/** utm_* parameters of a query string, keyed as in the URL (utm_source, ...). */
export function utmFields(search: string): Record<string, string> {
  const params = new URLSearchParams(search);
  const fields: Record<string, string> = {};
  for (const field of UTM_FIELDS) {
    const value = params.get(`utm_${field}`);
    if (value) fields[`utm_${field}`] = value;
  }
  return fields;
}

/**
 * What identifies a page for single-page-app navigation: path and query, plus the fragment only
 * for hash routers (#/route, #!/route). Anchors (#section) and same-URL replaceState calls are
 * not new pages.
 */
export function pageKey(location: { pathname: string; search: string; hash: string }): string {
  const routed = location.hash.startsWith('#/') || location.hash.startsWith('#!');
  return location.pathname + location.search + (routed ? location.hash : '');
}

/** How far down the page the bottom of the viewport is, in whole percent (0-100). */
export function scrollPercent(scrollTop: number, viewportHeight: number, pageHeight: number): number {
  if (pageHeight <= 0) return 100;
  return Math.min(100, Math.round(((scrollTop + viewportHeight) / pageHeight) * 100));
}

/** The thresholds reached at `percent` that have not been reported yet, ascending. */
export function newThresholds(
  thresholds: readonly number[],
  reported: ReadonlySet<number>,
  percent: number,
): number[] {
  return [...new Set(thresholds)]
    .filter((threshold) => threshold <= percent && !reported.has(threshold))
    .sort((a, b) => a - b);
}
