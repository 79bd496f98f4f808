// One app's API keys: create (the full key is shown once), list (masked), regenerate with a
// grace period for the old key, and revoke after a confirmation.
import type { View, ViewContext } from '../context.ts';
import { field, h } from '../dom.ts';
import { formatCount, formatDateTime, formatRelative } from '../format.ts';
import type { ApiKey, App, IssuedKey } from '../types.ts';
import {
  announce,
  confirmDialog,
  emptyState,
  formField,
  formSummary,
  loadInto,
  onSubmit,
  pageHeader,
  secretBox,
  showFieldErrors,
  statusBadge,
  tableScroll,
} from '../ui.ts';

/** Grace periods offered when regenerating (the API takes 0 to 30 days). */
export const GRACE_CHOICES: readonly { seconds: number; label: string }[] = [
  { seconds: 0, label: 'Stop it at once' },
  { seconds: 3_600, label: '1 hour' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 7 * 86_400, label: '7 days' },
  { seconds: 30 * 86_400, label: '30 days' },
];
const DEFAULT_GRACE_SECONDS = 86_400;

const STATUS_ORDER: Readonly<Record<ApiKey['status'], number>> = {
  active: 0,
  rotating: 1,
  expired: 2,
  revoked: 3,
};

export const keysView: View = (main, ctx) => {
  const appId = ctx.params.appId ?? '';
  const secretSlot = h('div', { class: 'secret-slot' });
  const list = h('section', { class: 'card', 'aria-labelledby': 'keys-title' });
  const originsNote = h('div');

  const reload = () =>
    loadInto(
      list,
      () => ctx.api.get<{ keys: ApiKey[] }>('/api/keys', { appId }, ctx.signal),
      ({ keys }) => [h('h2', { id: 'keys-title' }, 'All keys'), keyTable(ctx, keys, showSecret, reload)],
      'Loading keys…',
    );

  const showSecret = (issued: IssuedKey, title: string, extra?: string) => {
    secretSlot.replaceChildren(
      secretBox({
        title,
        secret: issued.key,
        description: `${issued.kind === 'browser' ? 'Browser key: public, ingest only, accepted from the app’s allowed origins.' : 'Server key: secret. Keep it on your servers.'}${extra ? ` ${extra}` : ''}`,
        onDone: () => {
          (main.querySelector('h1') as HTMLElement | null)?.focus();
        },
      }),
    );
    secretSlot.querySelector<HTMLElement>('h2')?.setAttribute('tabindex', '-1');
    secretSlot.querySelector<HTMLElement>('h2')?.focus();
  };

  main.append(
    pageHeader('Keys', 'Browser keys go into your pages; server keys stay on your servers.'),
    secretSlot,
    originsNote,
    list,
    createKeyForm(ctx, appId, async (issued) => {
      showSecret(issued, 'Your new key');
      announce('Key created. Copy it now: it is shown only once.');
      await reload();
    }),
  );
  void reload();
  void ctx.apps.get(appId).then(
    (app?: App) => {
      if (app && app.allowedOrigins.length === 0) {
        originsNote.replaceChildren(
          h(
            'div',
            { class: 'alert info' },
            h(
              'p',
              null,
              'This app has no allowed origins yet, so browsers cannot send events with its browser keys. ',
              h('a', { href: `#/apps/${appId}/settings` }, 'Add your site’s origin'),
              '.',
            ),
          ),
        );
      }
    },
    () => {},
  );
};

function keyTable(
  ctx: ViewContext,
  keys: ApiKey[],
  showSecret: (issued: IssuedKey, title: string, extra?: string) => void,
  reload: () => Promise<void>,
): HTMLElement {
  if (keys.length === 0) return emptyState('No keys yet', h('p', null, 'Create one below.'));
  const now = Date.now();
  const sorted = [...keys].sort(
    (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || b.createdAt.localeCompare(a.createdAt),
  );
  const table = h(
    'table',
    { class: 'data responsive' },
    h('caption', { class: 'sr-only' }, 'API keys of this app'),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        [
          'Name',
          'Kind',
          'Key',
          'Status',
          'Scopes',
          'Created',
          'Expires',
          'Last used',
          'Requests',
          'Actions',
        ].map((title) => h('th', { scope: 'col' }, title)),
      ),
    ),
    h(
      'tbody',
      null,
      sorted.map((key) =>
        h(
          'tr',
          { 'data-key-id': key.id },
          h('td', { 'data-label': 'Name' }, key.name || h('span', { class: 'muted' }, 'unnamed')),
          h('td', { 'data-label': 'Kind' }, key.kind),
          h('td', { 'data-label': 'Key' }, h('code', { class: 'key-display' }, key.display)),
          h('td', { 'data-label': 'Status' }, statusBadge(key.status)),
          h('td', { 'data-label': 'Scopes' }, key.scopes.join(', ')),
          h('td', { 'data-label': 'Created' }, formatDateTime(key.createdAt)),
          h(
            'td',
            { 'data-label': 'Expires' },
            key.revokedAt
              ? h(
                  'span',
                  { title: formatDateTime(key.revokedAt) },
                  `revoked ${formatRelative(key.revokedAt, now)}`,
                )
              : key.expiresAt
                ? h('span', { title: formatDateTime(key.expiresAt) }, formatRelative(key.expiresAt, now))
                : 'never',
          ),
          h(
            'td',
            { 'data-label': 'Last used' },
            key.lastUsedAt
              ? h('span', { title: formatDateTime(key.lastUsedAt) }, formatRelative(key.lastUsedAt, now))
              : 'never',
          ),
          h('td', { 'data-label': 'Requests', class: 'num' }, formatCount(key.requestCount)),
          h(
            'td',
            { 'data-label': 'Actions', class: 'row-actions' },
            keyActions(ctx, key, showSecret, reload),
          ),
        ),
      ),
    ),
  );
  return tableScroll('API keys', table);
}

function keyActions(
  ctx: ViewContext,
  key: ApiKey,
  showSecret: (issued: IssuedKey, title: string, extra?: string) => void,
  reload: () => Promise<void>,
): HTMLElement[] {
  const label = key.name || key.display;
  const actions: HTMLElement[] = [];
  if (key.status === 'active' && key.replacedBy === null) {
    const regenerate = h(
      'button',
      { type: 'button', class: 'secondary small', 'aria-label': `Regenerate ${label}` },
      'Regenerate',
    );
    regenerate.addEventListener('click', () => {
      void (async () => {
        const grace = h(
          'select',
          { name: 'grace' },
          GRACE_CHOICES.map((choice) =>
            h(
              'option',
              { value: choice.seconds, selected: choice.seconds === DEFAULT_GRACE_SECONDS },
              choice.label,
            ),
          ),
        );
        const extra = formField({
          name: 'graceSeconds',
          label: 'The old key keeps working for',
          hint: 'Time to deploy the new key everywhere before the old one stops.',
          control: grace,
        });
        const confirmed = await confirmDialog({
          title: `Regenerate ${label}?`,
          body: h('p', null, 'A new key replaces this one. You will see the new key once.'),
          confirmLabel: 'Regenerate',
          extra,
        });
        if (!confirmed) return;
        try {
          const answer = await ctx.api.post<{ key: IssuedKey; previous: ApiKey }>(
            `/api/keys/${key.id}/regenerate`,
            { graceSeconds: Number(grace.value) },
          );
          const until = answer.previous.expiresAt;
          const note =
            Number(grace.value) === 0 || !until
              ? 'The old key has stopped working.'
              : `The old key keeps working until ${formatDateTime(until)}.`;
          showSecret(answer.key, 'Your regenerated key', note);
          announce(`New key issued. ${note}`);
          await reload();
        } catch (error) {
          announce(error instanceof Error ? error.message : 'Could not regenerate the key');
        }
      })();
    });
    actions.push(regenerate);
  }
  if (key.status === 'active' || key.status === 'rotating') {
    const revoke = h(
      'button',
      { type: 'button', class: 'danger small', 'aria-label': `Revoke ${label}` },
      'Revoke',
    );
    revoke.addEventListener('click', () => {
      void (async () => {
        const confirmed = await confirmDialog({
          title: `Revoke ${label}?`,
          body: h(
            'p',
            null,
            'Requests with ',
            h('code', null, key.display),
            ' are refused within a second, everywhere. This cannot be undone.',
          ),
          confirmLabel: 'Revoke key',
          danger: true,
        });
        if (!confirmed) return;
        try {
          await ctx.api.del(`/api/keys/${key.id}`);
          announce(`Key “${label}” revoked`);
          await reload();
        } catch (error) {
          announce(error instanceof Error ? error.message : 'Could not revoke the key');
        }
      })();
    });
    actions.push(revoke);
  }
  return actions;
}

function createKeyForm(
  ctx: ViewContext,
  appId: string,
  created: (issued: IssuedKey) => Promise<void>,
): HTMLElement {
  const kindBrowser = h('input', {
    type: 'radio',
    name: 'kind',
    value: 'browser',
    id: 'kind-browser',
    checked: true,
  });
  const kindServer = h('input', { type: 'radio', name: 'kind', value: 'server', id: 'kind-server' });
  const scopes = h(
    'fieldset',
    { class: 'field scopes', 'data-field': 'scopes', hidden: true, disabled: true },
    h('legend', null, 'Scopes'),
    h(
      'div',
      { class: 'check' },
      h('input', { type: 'checkbox', name: 'scope-ingest', id: 'scope-ingest', checked: true }),
      h('label', { for: 'scope-ingest' }, 'ingest: send events and metrics'),
    ),
    h(
      'div',
      { class: 'check' },
      h('input', { type: 'checkbox', name: 'scope-read', id: 'scope-read', checked: true }),
      h('label', { for: 'scope-read' }, 'read: query analytics'),
    ),
    h('p', { class: 'field-error', hidden: true }),
  );
  const syncKind = () => {
    const server = kindServer.checked;
    scopes.hidden = !server;
    scopes.disabled = !server;
  };
  kindBrowser.addEventListener('change', syncKind);
  kindServer.addEventListener('change', syncKind);

  const form = h(
    'form',
    { class: 'stack', 'aria-labelledby': 'create-key-title' },
    formSummary(),
    h(
      'fieldset',
      { class: 'field kinds', 'data-field': 'kind' },
      h('legend', null, 'Kind'),
      h(
        'div',
        { class: 'choice' },
        kindBrowser,
        h(
          'label',
          { for: 'kind-browser' },
          h('strong', null, 'Browser'),
          h('span', { class: 'muted' }, ' public, ingest only, from allowed origins'),
        ),
      ),
      h(
        'div',
        { class: 'choice' },
        kindServer,
        h(
          'label',
          { for: 'kind-server' },
          h('strong', null, 'Server'),
          h('span', { class: 'muted' }, ' secret, for backends and the query API'),
        ),
      ),
      h('p', { class: 'field-error', hidden: true }),
    ),
    formField({
      name: 'name',
      label: 'Name (optional)',
      hint: 'Where it is used, e.g. “Production website”.',
      control: h('input', { name: 'name', type: 'text', maxlength: 100 }),
    }),
    scopes,
    formField({
      name: 'expiresAt',
      label: 'Expires on (optional)',
      hint: 'Leave empty for a key that does not expire. It stops working at the end of that day.',
      control: h('input', { name: 'expiresAt', type: 'date' }),
    }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create key')),
  );
  onSubmit(form, async () => {
    const kind = kindServer.checked ? 'server' : 'browser';
    const name = field<HTMLInputElement>(form, 'name').value.trim();
    const expiry = field<HTMLInputElement>(form, 'expiresAt').value;
    const body: Record<string, unknown> = { appId, kind };
    if (name) body.name = name;
    if (kind === 'server') {
      const chosen = [
        ...(field<HTMLInputElement>(form, 'scope-ingest').checked ? ['ingest'] : []),
        ...(field<HTMLInputElement>(form, 'scope-read').checked ? ['read'] : []),
      ];
      if (chosen.length === 0) {
        showFieldErrors(form, [{ field: 'body.scopes', message: 'Choose at least one scope' }]);
        return;
      }
      body.scopes = chosen;
    }
    if (expiry) body.expiresAt = endOfLocalDay(expiry);
    const issued = await ctx.api.post<IssuedKey>('/api/keys', body);
    form.reset();
    syncKind();
    await created(issued);
  });
  return h('section', { class: 'card' }, h('h2', { id: 'create-key-title' }, 'Create a key'), form);
}

/** "2026-03-01" -> the last millisecond of that day in the owner's zone, as an ISO instant. */
export function endOfLocalDay(date: string): string {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(year ?? 1970, (month ?? 1) - 1, day ?? 1, 23, 59, 59, 999).toISOString();
}
