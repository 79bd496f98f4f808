// The tracking snippet of an app, ready to copy, with what else a site needs for it to work
// (allowed origins, CSP) and how to send custom events.
import { ApiError, isAbort } from '../api.ts';
import type { View, ViewContext } from '../context.ts';
import { h } from '../dom.ts';
import type { ApiKey, App, SnippetAnswer } from '../types.ts';
import { copyButton, emptyState, errorBox, loading, pageHeader } from '../ui.ts';

const PLACEHOLDER = 'REPLACE_WITH_BROWSER_KEY';

export const snippetView: View = async (main, ctx) => {
  const appId = ctx.params.appId ?? '';
  const body = h('div', { class: 'stack' }, loading('Loading the snippet…'));
  main.append(
    pageHeader('Tracking snippet', 'Paste it into your pages to start collecting page views and events.'),
    body,
  );
  const keyId = ctx.query.get('keyId') ?? undefined;
  try {
    const [snippet, keys, app] = await Promise.all([
      ctx.api.get<SnippetAnswer>(`/api/apps/${appId}/snippet`, { format: 'json', keyId }, ctx.signal),
      ctx.api.get<{ keys: ApiKey[] }>('/api/keys', { appId }, ctx.signal),
      ctx.apps.get(appId),
    ]);
    body.replaceChildren(...render(ctx, appId, snippet, keys.keys, app));
  } catch (error) {
    if (isAbort(error)) return;
    if (error instanceof ApiError && error.code === 'no_active_browser_key') {
      body.replaceChildren(
        emptyState(
          'This app has no active browser key',
          h('p', null, 'The snippet carries a browser key. Create one, then come back here.'),
          h('a', { class: 'button primary', href: `#/apps/${appId}/keys` }, 'Create a browser key'),
        ),
      );
      return;
    }
    body.replaceChildren(errorBox(error, () => ctx.navigate(`/apps/${appId}/snippet`)));
  }
};

function render(
  ctx: ViewContext,
  appId: string,
  snippet: SnippetAnswer,
  keys: ApiKey[],
  app: App | undefined,
): HTMLElement[] {
  const browserKeys = keys.filter((key) => key.kind === 'browser' && key.status === 'active');
  const picker =
    browserKeys.length > 1
      ? h(
          'div',
          { class: 'field' },
          h('label', { for: 'snippet-key' }, 'Browser key in the snippet'),
          h(
            'select',
            {
              id: 'snippet-key',
              onchange: (event: Event) =>
                ctx.navigate(`/apps/${appId}/snippet?keyId=${(event.target as HTMLSelectElement).value}`),
            },
            browserKeys.map((key) =>
              h(
                'option',
                { value: key.id, selected: key.id === snippet.browserKey.id },
                `${key.name || 'unnamed'} (${key.display})`,
              ),
            ),
          ),
        )
      : null;
  const code = h(
    'pre',
    { class: 'code', tabindex: 0, 'aria-label': 'Tracking snippet' },
    h('code', null, snippet.html),
  );
  const origins = app?.allowedOrigins ?? [];
  const ingest = snippet.config.ingestUrl;
  return [
    h(
      'section',
      { class: 'card' },
      h(
        'div',
        { class: 'card-head' },
        h('h2', null, '1. Copy the snippet'),
        copyButton(() => snippet.html, 'Copy snippet', 'Snippet'),
      ),
      picker,
      snippet.browserKey.embedded
        ? null
        : h(
            'div',
            { class: 'alert warning' },
            h(
              'p',
              null,
              'The server does not hold the full value of ',
              h('code', null, snippet.browserKey.display),
              '. Replace ',
              h('code', null, PLACEHOLDER),
              ' with the key you saved, or regenerate the key on the Keys page.',
            ),
          ),
      code,
      h(
        'p',
        { class: 'muted' },
        `Uses browser key ${snippet.browserKey.display}`,
        snippet.config.metrics.length
          ? ` and ${snippet.config.metrics.length} metric config(s): ${snippet.config.metrics.map((m) => m.name).join(', ')}.`
          : '.',
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', null, '2. Add it to your pages'),
      h(
        'ol',
        { class: 'steps' },
        h(
          'li',
          null,
          'Paste the snippet into every page, just before ',
          h('code', null, '</head>'),
          '. It loads asynchronously and never blocks your page.',
        ),
        h(
          'li',
          null,
          origins.length
            ? ['Events are accepted from ', h('strong', null, origins.join(', ')), '. ']
            : [
                h('strong', null, 'This app has no allowed origins yet: '),
                'browsers cannot send events until you add your site. ',
              ],
          h('a', { href: `#/apps/${appId}/settings` }, 'Edit allowed origins'),
          '.',
        ),
        h(
          'li',
          null,
          'If your site sends a Content-Security-Policy, allow ',
          h('code', null, ingest),
          ' in ',
          h('code', null, 'script-src'),
          ' and ',
          h('code', null, 'connect-src'),
          '.',
        ),
        h(
          'li',
          null,
          'Open your site, then watch the live counter on the ',
          h('a', { href: `#/apps/${appId}/analytics` }, 'Analytics'),
          ' page.',
        ),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', null, '3. Send your own events (optional)'),
      h('p', null, 'Page views are automatic. For anything else:'),
      h(
        'pre',
        { class: 'code', tabindex: 0, 'aria-label': 'Example calls' },
        h(
          'code',
          null,
          "clickstream.track('signup', { plan: 'pro' });\nclickstream.identify('user-42');\nclickstream.counter('signups_total').inc(1, { plan: 'pro' });",
        ),
      ),
    ),
  ];
}
