// What every screen gets: the API client, the deployment's settings, the route's parameters, a
// signal that aborts when the owner leaves the screen, and the shared list of apps.
import type { Api } from './api.ts';
import type { App, ConsoleConfig, Registration } from './types.ts';

export interface ViewContext {
  api: Api;
  config: ConsoleConfig;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** Aborted when the screen is left: pending requests stop, timers should stop too. */
  signal: AbortSignal;
  /** Run when the screen is left (stop polling, destroy charts). */
  onLeave(cleanup: () => void): void;
  navigate(path: string, options?: { replace?: boolean }): void;
  apps: AppStore;
  /** Things shown once and then forgotten (the keys of a new account). */
  flash: { registration?: Registration | undefined };
  /** Sign-in succeeded: remember the owner and move on. */
  signedIn(): void;
}

export type View = (main: HTMLElement, ctx: ViewContext) => void | Promise<void>;

/** The owner's apps, fetched once and kept until something changes them. */
export interface AppStore {
  list(): Promise<App[]>;
  get(appId: string): Promise<App | undefined>;
  /** After create/update: replace or add one app without refetching. */
  put(app: App): void;
  remove(appId: string): void;
  clear(): void;
}

export function createAppStore(api: Api): AppStore {
  let cached: Promise<App[]> | undefined;
  const list = () => {
    cached ??= api.get<{ apps: App[] }>('/api/apps').then((answer) => answer.apps);
    cached.catch(() => {
      cached = undefined;
    });
    return cached;
  };
  return {
    list,
    get: async (appId) => (await list()).find((app) => app.id === appId),
    put(app) {
      const current = cached;
      if (!current) return;
      cached = current.then((apps) =>
        apps.some((a) => a.id === app.id) ? apps.map((a) => (a.id === app.id ? app : a)) : [...apps, app],
      );
    },
    remove(appId) {
      const current = cached;
      if (current) cached = current.then((apps) => apps.filter((a) => a.id !== appId));
    },
    clear() {
      cached = undefined;
    },
  };
}
