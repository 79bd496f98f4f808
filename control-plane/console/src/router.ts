// Hash routing (#/apps/<id>/keys): the server serves one page for every path, the browser never
// sends the fragment to the server, and the OIDC callback lands on #/auth/callback. Pure parts
// (parsing and matching) are tested in node.

export interface Location {
  path: string;
  query: URLSearchParams;
}

/** "#/apps/1/keys?x=1" -> { path: "/apps/1/keys", query: x=1 }; empty -> "/". */
export function parseHash(hash: string): Location {
  const text = hash.replace(/^#/, '');
  const [rawPath = '', rawQuery = ''] = text.split('?', 2);
  const path = `/${rawPath.replace(/^\/+/, '').replace(/\/+$/, '')}`;
  return { path, query: new URLSearchParams(rawQuery) };
}

/** Match "/apps/:appId/keys" against a path; the params, or undefined. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const actual = have[index] ?? '';
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (part !== actual) {
      return undefined;
    }
  }
  return params;
}

export function hrefOf(path: string, query?: Record<string, string>): string {
  const search = query ? new URLSearchParams(query).toString() : '';
  return `#${path}${search ? `?${search}` : ''}`;
}
