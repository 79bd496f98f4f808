// The frame around every screen: the top bar (brand, app switcher, Grafana, API docs, the
// owner and sign-out), the section tabs of an app, and <main> where the screen renders.
import type { ViewContext } from './context.ts';
import { h } from './dom.ts';
import { hrefOf } from './router.ts';
import type { App } from './types.ts';

export const APP_SECTIONS = [
  { id: 'analytics', label: 'Analytics' },
  { id: 'keys', label: 'Keys' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'snippet', label: 'Snippet' },
  { id: 'settings', label: 'Settings' },
] as const;
export type AppSection = (typeof APP_SECTIONS)[number]['id'];

export interface ShellOptions {
  signedIn: boolean;
  /** The app and section when the screen belongs to one app. */
  app?: { id: string; section: AppSection };
  onSignOut: () => void;
}

/** Renders the frame into `root` and returns the element the screen renders into. */
export function renderShell(root: HTMLElement, ctx: ViewContext, options: ShellOptions): HTMLElement {
  const main = h('main', { id: 'main', tabindex: -1 });
  const skip = h(
    'button',
    { type: 'button', class: 'skip-link', onclick: () => (main.querySelector('h1') ?? main).focus() },
    'Skip to content',
  );
  const links = h('nav', { class: 'top-links', 'aria-label': 'Account' });
  if (ctx.config.grafanaUrl) {
    links.append(
      h(
        'a',
        { href: ctx.config.grafanaUrl, target: '_blank', rel: 'noopener noreferrer', class: 'grafana' },
        'Grafana',
        h('span', { class: 'sr-only' }, ' (opens in a new tab)'),
      ),
    );
  }
  links.append(
    h(
      'a',
      { href: '/api-docs', target: '_blank', rel: 'noopener' },
      'API docs',
      h('span', { class: 'sr-only' }, ' (opens in a new tab)'),
    ),
  );
  if (options.signedIn) {
    const email = ctx.api.session.user?.email;
    if (email) links.append(h('span', { class: 'who', title: email }, email));
    links.append(
      h('button', { type: 'button', class: 'secondary small', onclick: options.onSignOut }, 'Sign out'),
    );
  }

  const bar = h(
    'header',
    { class: 'topbar' },
    h(
      'a',
      { class: 'brand', href: options.signedIn ? '#/apps' : '#/sign-in' },
      h('span', { class: 'logo', 'aria-hidden': 'true' }),
      'clickstream',
    ),
    options.signedIn ? appSwitcher(ctx, options.app) : null,
    links,
  );
  const tabs = options.app ? sectionTabs(options.app.id, options.app.section) : null;
  root.replaceChildren(skip, bar, ...(tabs ? [tabs] : []), main);
  return main;
}

function appSwitcher(ctx: ViewContext, current: ShellOptions['app']): HTMLElement {
  const select = h(
    'select',
    { id: 'app-switcher', 'aria-label': 'Current app', disabled: true },
    h('option', null, 'Loading apps…'),
  );
  select.addEventListener('change', () => {
    if (select.value === '') ctx.navigate('/apps');
    else ctx.navigate(`/apps/${select.value}/${current?.section ?? 'analytics'}`);
  });
  void ctx.apps.list().then(
    (apps: App[]) => {
      select.replaceChildren(
        h('option', { value: '', selected: !current }, 'All apps'),
        ...apps.map((app) => h('option', { value: app.id, selected: app.id === current?.id }, app.name)),
      );
      select.disabled = false;
    },
    () => {
      select.replaceChildren(h('option', null, 'Apps unavailable'));
    },
  );
  return h('div', { class: 'switcher' }, select);
}

function sectionTabs(appId: string, section: AppSection): HTMLElement {
  return h(
    'nav',
    { class: 'tabs', 'aria-label': 'App sections' },
    h(
      'ul',
      null,
      APP_SECTIONS.map((item) =>
        h(
          'li',
          null,
          h(
            'a',
            {
              href: hrefOf(`/apps/${appId}/${item.id}`),
              'aria-current': item.id === section ? 'page' : null,
            },
            item.label,
          ),
        ),
      ),
    ),
  );
}
