// One app's settings: name, allowed origins, retention, time zone, Do Not Track; and deletion.
import type { View } from '../context.ts';
import { h } from '../dom.ts';
import type { App } from '../types.ts';
import {
  announce,
  confirmDialog,
  errorBox,
  formSummary,
  loading,
  onSubmit,
  pageHeader,
  showFieldErrors,
} from '../ui.ts';
import { APP_PATTERN_HINTS, type AppBody, appFields, checkAppBody, readAppForm } from './app-form.ts';

export const appSettingsView: View = async (main, ctx) => {
  const appId = ctx.params.appId ?? '';
  main.append(pageHeader('Settings'), loading('Loading the app…'));
  let app: App | undefined;
  try {
    app = await ctx.apps.get(appId);
  } catch (error) {
    main.replaceChildren(
      pageHeader('Settings'),
      errorBox(error, () => ctx.navigate(`/apps/${appId}/settings`)),
    );
    return;
  }
  if (!app) {
    main.replaceChildren(
      pageHeader('App not found'),
      h('p', null, h('a', { href: '#/apps' }, 'Back to your apps')),
    );
    return;
  }
  let current: App = app;

  const form = h(
    'form',
    { class: 'stack', 'aria-label': 'App settings' },
    formSummary(),
    ...appFields(current),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save changes')),
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
      const changes = changedFields(current, body);
      if (Object.keys(changes).length === 0) {
        announce('Nothing to save: no setting changed');
        return;
      }
      current = await ctx.api.patch<App>(`/api/apps/${current.id}`, changes);
      ctx.apps.put(current);
      announce('Settings saved');
      ctx.navigate(`/apps/${current.id}/settings`);
    },
    { patternHints: APP_PATTERN_HINTS },
  );

  const remove = h('button', { type: 'button', class: 'danger' }, 'Delete this app');
  remove.addEventListener('click', () => {
    void (async () => {
      const confirmed = await confirmDialog({
        title: `Delete “${current.name}”?`,
        body: h(
          'p',
          null,
          'Its keys are revoked at once and its settings are removed. Events already stored expire with their retention. This cannot be undone.',
        ),
        confirmLabel: 'Delete app',
        danger: true,
      });
      if (!confirmed) return;
      try {
        await ctx.api.del(`/api/apps/${current.id}`);
        ctx.apps.remove(current.id);
        announce(`App “${current.name}” deleted`);
        ctx.navigate('/apps');
      } catch (error) {
        announce(error instanceof Error ? error.message : 'Could not delete the app');
      }
    })();
  });

  main.replaceChildren(
    pageHeader('Settings', h('span', null, current.name, ' · ', h('code', null, current.id))),
    h('section', { class: 'card' }, form),
    h(
      'section',
      { class: 'card danger-zone', 'aria-labelledby': 'danger-title' },
      h('h2', { id: 'danger-title' }, 'Delete the app'),
      h('p', null, 'Revokes every key of this app. Anything still sending with them gets refused.'),
      remove,
    ),
  );
};

/** Only what changed: PATCH needs at least one field, and the audit log names the fields. */
function changedFields(app: App, body: AppBody): Partial<AppBody> {
  const changes: Partial<AppBody> = {};
  if (body.name !== app.name) changes.name = body.name;
  if (body.allowedOrigins.join('\n') !== app.allowedOrigins.join('\n'))
    changes.allowedOrigins = body.allowedOrigins;
  if (body.retentionDays !== app.retentionDays) changes.retentionDays = body.retentionDays;
  if (body.timeZone !== app.timeZone) changes.timeZone = body.timeZone;
  if (body.respectDnt !== app.respectDnt) changes.respectDnt = body.respectDnt;
  return changes;
}
