// The owner's apps, and creating one.
import type { View } from '../context.ts';
import { h } from '../dom.ts';
import { formatDateTime } from '../format.ts';
import type { App } from '../types.ts';
import { announce, emptyState, formSummary, loadInto, onSubmit, pageHeader, showFieldErrors } from '../ui.ts';
import { APP_PATTERN_HINTS, appFields, checkAppBody, readAppForm } from './app-form.ts';

export const appsView: View = (main, ctx) => {
  const list = h('div', { class: 'app-list' });
  const form = h(
    'form',
    { class: 'stack', 'aria-labelledby': 'create-app-title' },
    formSummary(),
    ...appFields(),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create app')),
  );
  onSubmit(
    form,
    async () => {
      const body = readAppForm(form);
      const issues = checkAppBody(body);
      if (issues.length) {
        showFieldErrors(form, issues);
        return;
      }
      const app = await ctx.api.post<App>('/api/apps', body);
      ctx.apps.put(app);
      announce(`App “${app.name}” created. Next: create a browser key for it.`);
      ctx.navigate(`/apps/${app.id}/keys`);
    },
    { patternHints: APP_PATTERN_HINTS },
  );

  main.append(
    pageHeader('Apps', 'Each app has its own keys, settings and numbers.'),
    list,
    h(
      'section',
      { class: 'card' },
      h('h2', { id: 'create-app-title' }, 'Create an app'),
      h('p', { class: 'muted' }, 'A website, a mobile app or a backend: anything that sends events.'),
      form,
    ),
  );
  void loadInto(
    list,
    () => ctx.apps.list(),
    (apps) =>
      apps.length === 0
        ? emptyState('No apps yet', h('p', null, 'Create your first app below.'))
        : h('ul', { class: 'cards', 'aria-label': 'Your apps' }, apps.map(appCard)),
    'Loading your apps…',
  );
};

function appCard(app: App): HTMLElement {
  const origins = app.allowedOrigins.length;
  return h(
    'li',
    { class: 'card app-card' },
    h('h2', null, h('a', { href: `#/apps/${app.id}/analytics` }, app.name)),
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'App id'),
      h('dd', null, h('code', null, app.id)),
      h('dt', null, 'Allowed origins'),
      h('dd', null, origins === 0 ? 'none yet' : app.allowedOrigins.join(', ')),
      h('dt', null, 'Time zone'),
      h('dd', null, app.timeZone),
      h('dt', null, 'Retention'),
      h('dd', null, `${app.retentionDays} days`),
      h('dt', null, 'Created'),
      h('dd', null, formatDateTime(app.createdAt)),
    ),
    h(
      'p',
      { class: 'links' },
      h('a', { href: `#/apps/${app.id}/analytics` }, 'Analytics'),
      h('a', { href: `#/apps/${app.id}/keys` }, 'Keys'),
      h('a', { href: `#/apps/${app.id}/snippet` }, 'Snippet'),
      h('a', { href: `#/apps/${app.id}/settings` }, 'Settings'),
    ),
  );
}
