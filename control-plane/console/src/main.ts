// Entry point of the console bundle: loads the deployment settings, resumes the session if a
// refresh token is stored, and renders the screen the URL fragment names, again on each change.
import { ApiError, createApi } from './api.ts';
import { createAppStore, type View, type ViewContext } from './context.ts';
import { h } from './dom.ts';
import { matchPath, parseHash } from './router.ts';
import { type AppSection, renderShell } from './shell.ts';
import type { ConsoleConfig, Registration, User } from './types.ts';
import { announce, errorBox, messageOf } from './ui.ts';
import { analyticsView } from './views/analytics.ts';
import { appSettingsView } from './views/app-settings.ts';
import { appsView } from './views/apps.ts';
import { authCallbackView } from './views/auth-callback.ts';
import { keysView } from './views/keys.ts';
import { metricsView } from './views/metrics.ts';
import { notFoundView } from './views/not-found.ts';
import { signInView } from './views/sign-in.ts';
import { signUpView } from './views/sign-up.ts';
import { snippetView } from './views/snippet.ts';
import { welcomeView } from './views/welcome.ts';

type Access = 'signed-in' | 'signed-out' | 'any';

interface RouteDef {
  pattern: string;
  view: View;
  access: Access;
  section?: AppSection;
  title: string;
}

const ROUTES: readonly RouteDef[] = [
  { pattern: '/sign-in', view: signInView, access: 'signed-out', title: 'Sign in' },
  { pattern: '/sign-up', view: signUpView, access: 'signed-out', title: 'Create an account' },
  { pattern: '/auth/callback', view: authCallbackView, access: 'any', title: 'Signing in' },
  { pattern: '/welcome', view: welcomeView, access: 'signed-in', title: 'Welcome' },
  { pattern: '/apps', view: appsView, access: 'signed-in', title: 'Apps' },
  {
    pattern: '/apps/:appId/analytics',
    view: analyticsView,
    access: 'signed-in',
    section: 'analytics',
    title: 'Analytics',
  },
  { pattern: '/apps/:appId/keys', view: keysView, access: 'signed-in', section: 'keys', title: 'Keys' },
  {
    pattern: '/apps/:appId/metrics',
    view: metricsView,
    access: 'signed-in',
    section: 'metrics',
    title: 'Metrics',
  },
  {
    pattern: '/apps/:appId/snippet',
    view: snippetView,
    access: 'signed-in',
    section: 'snippet',
    title: 'Snippet',
  },
  {
    pattern: '/apps/:appId/settings',
    view: appSettingsView,
    access: 'signed-in',
    section: 'settings',
    title: 'Settings',
  },
];

async function boot(root: HTMLElement): Promise<void> {
  const api = createApi();
  const apps = createAppStore(api);
  const flash: { registration?: Registration | undefined } = {};
  let config: ConsoleConfig;
  try {
    config = await api.request<ConsoleConfig>('GET', '/api/console/config', { auth: false });
  } catch (error) {
    root.replaceChildren(errorBox(error, () => window.location.reload()));
    return;
  }

  let leaving: AbortController | undefined;
  let cleanups: (() => void)[] = [];
  let signedIn = false;

  const navigate = (path: string, options: { replace?: boolean } = {}) => {
    const hash = `#${path}`;
    if (window.location.hash === hash) {
      void render();
      return;
    }
    if (options.replace) {
      window.history.replaceState(null, '', hash);
      void render();
    } else {
      window.location.hash = hash;
    }
  };

  /** `comeBack`: after signing in again, return here (when the session expired, not on sign-out). */
  const endSession = (message?: string, comeBack = false) => {
    api.session.clear();
    apps.clear();
    signedIn = false;
    const here = parseHash(window.location.hash).path;
    const next = comeBack && here.startsWith('/apps') ? `?next=${encodeURIComponent(here)}` : '';
    navigate(`/sign-in${next}`, { replace: true });
    if (message) announce(message);
  };
  api.onSessionEnded(() => {
    if (signedIn) endSession('Your session has ended; sign in again', true);
  });
  api.session.onExternalSignOut(() => endSession('You signed out in another tab'));

  const signOut = async () => {
    try {
      await api.post('/api/auth/logout');
      endSession('Signed out');
    } catch (error) {
      endSession(
        error instanceof ApiError && error.code === 'network_error'
          ? 'Signed out on this device; the server could not be reached to end the session'
          : 'Signed out',
      );
    }
  };

  // Resume a stored session: the refresh token gives a new access token, /me the owner.
  if (api.session.canResume()) {
    try {
      api.session.setUser(await api.get<User>('/api/auth/me'));
      signedIn = true;
    } catch {
      api.session.clear();
    }
  }

  let lastPattern: string | undefined;
  const render = async () => {
    // Re-rendering the same screen (a new range, a saved form) keeps focus on the control used.
    const focusedId = document.activeElement?.id;
    leaving?.abort();
    for (const cleanup of cleanups) cleanup();
    cleanups = [];
    leaving = new AbortController();

    const location = parseHash(window.location.hash);
    if (location.path === '/') {
      navigate(signedIn ? '/apps' : '/sign-in', { replace: true });
      return;
    }
    let route: RouteDef | undefined;
    let params: Record<string, string> = {};
    for (const candidate of ROUTES) {
      const matched = matchPath(candidate.pattern, location.path);
      if (matched) {
        route = candidate;
        params = matched;
        break;
      }
    }
    // /apps/<id> alone opens the app's analytics.
    const appOnly = matchPath('/apps/:appId', location.path);
    if (!route && appOnly) {
      navigate(`/apps/${appOnly.appId}/analytics`, { replace: true });
      return;
    }
    if (route?.access === 'signed-in' && !signedIn) {
      navigate(`/sign-in?next=${encodeURIComponent(location.path)}`, { replace: true });
      return;
    }
    if (route?.access === 'signed-out' && signedIn) {
      navigate('/apps', { replace: true });
      return;
    }

    const ctx: ViewContext = {
      api,
      config,
      params,
      query: location.query,
      signal: leaving.signal,
      onLeave: (cleanup) => cleanups.push(cleanup),
      navigate,
      apps,
      flash,
      signedIn: () => {
        signedIn = true;
      },
    };
    const main = renderShell(root, ctx, {
      signedIn,
      ...(route?.section && params.appId ? { app: { id: params.appId, section: route.section } } : {}),
      onSignOut: () => void signOut(),
    });
    document.title = route ? `${route.title} · clickstream` : 'Not found · clickstream';
    try {
      await (route ?? { view: notFoundView }).view(main, ctx);
    } catch (error) {
      main.replaceChildren(h('h1', { tabindex: -1 }, 'Something went wrong'), errorBox(error));
      console.warn('view failed:', messageOf(error));
    }
    const same = route !== undefined && route.pattern === lastPattern;
    lastPattern = route?.pattern;
    const again = same && focusedId ? document.getElementById(focusedId) : null;
    if (again && main.contains(again)) {
      again.focus();
    } else if (!main.contains(document.activeElement) || document.activeElement === document.body) {
      // A new screen: focus its heading, as a full page load would start at the top.
      main.querySelector<HTMLElement>('h1')?.focus();
    }
  };

  window.addEventListener('hashchange', () => void render());
  await render();
}

const root = document.getElementById('app');
if (root) void boot(root);
