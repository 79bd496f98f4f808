// The tracker: identity (anonymous id, user id, session), page views including single-page-app
// navigation, what the app's metric configs ask to track, and the public API. Nothing is recorded
// (and no id is stored) while the visitor opted out, or while Do Not Track / Global Privacy
// Control is on and the app respects it.
import { type Channel, createChannel } from './channel.ts';
import {
  type MetricType,
  scrollThresholds,
  stringList,
  type TrackerConfig,
  type TrackerMetric,
} from './config.ts';
import { guard } from './guard.ts';
import { buildSample } from './metrics.ts';
import { newThresholds, pageKey, scrollPercent, utmFields } from './page.ts';
import { parseSession, touchSession } from './session.ts';
import { loadItem, removeItem, saveItem } from './storage.ts';
import { uuidV4 } from './uuid.ts';

// The edge refuses longer values (ingest/pipeline/schemas.ts); clipping keeps the event.
export const MAX_NAME_LENGTH = 256;
export const MAX_ID_LENGTH = 256;
export const MAX_URL_LENGTH = 2048;
export const MAX_TITLE_LENGTH = 1024;
/** Routers set document.title in an effect after pushState; waiting this long records the new title
 * and folds redirect chains (push, then replace) into one page view. */
export const SPA_SETTLE_MS = 100;

export const STORAGE_KEYS = {
  anonymousId: 'cs_aid',
  userId: 'cs_uid',
  session: 'cs_session',
  optOut: 'cs_optout',
} as const;

export type Properties = Record<string, unknown>;

export interface ClickstreamApi {
  /** A named event; properties become its metadata (and labels for metrics tracking this name). */
  track(name: string, properties?: Properties): void;
  /** Who the visitor is from now on (kept across pages), with optional traits. */
  identify(userId: string | number | null | undefined, traits?: Properties): void;
  /** A page view of the current URL now (automatic ones need no call). */
  page(properties?: Properties): void;
  /** Forget the user id and start a new anonymous id and session (e.g. on logout). */
  reset(): void;
  /** Stop tracking on this site for this browser, and drop whatever is queued. Persisted. */
  optOut(): void;
  optIn(): void;
  /** Send what is queued now. */
  flush(): void;
  counter(name: string): { inc(value?: number | Properties, labels?: Properties | number): void };
  gauge(name: string): { set(value: number | Properties, labels?: Properties | number): void };
  histogram(name: string): { observe(value: number | Properties, labels?: Properties | number): void };
  /** Runs one queued command, e.g. ['track', 'signup', {...}] or ['counter', 'name', 1, {...}]. */
  push(command: unknown): void;
}

interface EventFields {
  referrer?: string;
}

const hasOwn = Object.prototype.hasOwnProperty;
const METRIC_VERBS = { counter: 'inc', gauge: 'set', histogram: 'observe' } as const;

const isObject = (value: unknown): value is Properties =>
  !!value && typeof value === 'object' && !Array.isArray(value);
const clip = (text: string, length: number) => text.slice(0, length);

/** Prometheus-style argument order too: inc(labels, value) as well as inc(value, labels). */
function valueAndLabels(first: unknown, second: unknown, fallback?: number): [unknown, unknown] {
  return isObject(first) ? [second ?? fallback, first] : [first ?? fallback, second];
}

function closest(element: Element, selector: string): Element | null {
  try {
    return element.closest(selector);
  } catch {
    // Invalid CSS in the config: that selector never matches.
    return null;
  }
}

function privacySignal(): boolean {
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean; msDoNotTrack?: string };
  const dnt = nav.doNotTrack ?? (window as Window & { doNotTrack?: string }).doNotTrack ?? nav.msDoNotTrack;
  return nav.globalPrivacyControl === true || dnt === '1' || dnt === 'yes';
}

/**
 * The API for `config` (undefined: no usable key, so every call is a no-op), and `start`, which
 * records the first page view and installs the automatic tracking.
 */
export function createTracker(config: TrackerConfig | undefined): { api: ClickstreamApi; start(): void } {
  const { apiKey, ingestUrl, respectDnt, metrics } = config ?? {
    apiKey: '',
    ingestUrl: '',
    respectDnt: true,
    metrics: [] as TrackerMetric[],
  };
  const blockedBySignal = respectDnt && privacySignal();
  let optedOut = loadItem(STORAGE_KEYS.optOut) === '1';
  const channel = (path: string, field: 'events' | 'samples'): Channel =>
    createChannel({ url: ingestUrl + path, apiKey, field, storageKey: `cs_queue_${field}:${apiKey}` });
  const events = channel('/api/events/track/batch', 'events');
  const samples = channel('/api/v1/metrics', 'samples');

  const active = () => !!config && !optedOut && !blockedBySignal;
  const path = () => location.pathname;
  const tracking = (pick: (metric: TrackerMetric) => unknown) => metrics.filter((metric) => pick(metric));

  function anonymousId(): string {
    const stored = loadItem(STORAGE_KEYS.anonymousId);
    if (stored) return stored;
    const id = uuidV4();
    saveItem(STORAGE_KEYS.anonymousId, id);
    return id;
  }

  function record(eventType: string, name?: string, metadata?: unknown, fields?: EventFields): void {
    if (!active()) return;
    const now = Date.now();
    // Re-read every time: other tabs of the same site share (and extend) the session.
    const session = touchSession(parseSession(loadItem(STORAGE_KEYS.session)), now, uuidV4);
    saveItem(STORAGE_KEYS.session, JSON.stringify(session));
    events.add(
      JSON.stringify({
        eventType,
        name: name && clip(name, MAX_NAME_LENGTH),
        eventId: uuidV4(),
        userId: loadItem(STORAGE_KEYS.userId) ?? undefined,
        anonymousId: anonymousId(),
        sessionId: session.id,
        url: clip(location.href, MAX_URL_LENGTH),
        referrer: fields?.referrer && clip(fields.referrer, MAX_URL_LENGTH),
        title: clip(document.title, MAX_TITLE_LENGTH),
        screenWidth: screen.width,
        screenHeight: screen.height,
        locale: navigator.language,
        timestamp: new Date(now).toISOString(),
        metadata: isObject(metadata) ? metadata : undefined,
      }),
    );
  }

  function sample(
    metric: TrackerMetric | undefined,
    type: MetricType,
    value: unknown,
    ...labels: unknown[]
  ): void {
    if (!active()) return;
    const built = buildSample(metric, type, value, labels, Date.now());
    if (built) samples.add(JSON.stringify(built));
  }

  /** What an automatic observation records: counters `count`, gauges and histograms `measure`. */
  function observe(metric: TrackerMetric, count: number, measure: number, ...labels: unknown[]): void {
    sample(metric, metric.type, metric.type === 'counter' ? count : measure, ...labels);
  }

  // Page views -------------------------------------------------------------------------------
  let lastPage: string | undefined;
  let lastUrl: string | undefined;
  let navigationTimer: ReturnType<typeof setTimeout> | undefined;
  let scrollReported = new Set<number>();

  function pageView(properties?: unknown): void {
    if (!active()) return;
    // After an in-app navigation the referrer is the previous page, as the visitor experienced it.
    const referrer = lastUrl ?? document.referrer;
    lastPage = pageKey(location);
    lastUrl = location.href;
    scrollReported = new Set();
    record(
      'pageview',
      undefined,
      { ...utmFields(location.search), ...(isObject(properties) ? properties : {}) },
      {
        referrer,
      },
    );
    for (const metric of tracking((m) => m.track.pageViews === true)) observe(metric, 1, 1, { path: path() });
  }

  function settleNavigation(): void {
    clearTimeout(navigationTimer);
    navigationTimer = undefined;
    if (pageKey(location) !== lastPage) pageView();
  }

  const onNavigation = guard(() => {
    clearTimeout(navigationTimer);
    navigationTimer = setTimeout(guard(settleNavigation), SPA_SETTLE_MS);
  });

  // Custom events: a track() call or a DOM event with that name -----------------------------
  function track(name: unknown, properties?: unknown): void {
    if (typeof name !== 'string' || !name) return;
    const props = isObject(properties) ? properties : undefined;
    record('track', name, props);
    const value = typeof props?.value === 'number' ? props.value : 1;
    for (const metric of tracking((m) => stringList(m.track.customEvents).includes(name))) {
      observe(metric, value, value, { path: path(), event: name }, props);
    }
  }

  // Automatic tracking ------------------------------------------------------------------------
  function installClicks(): void {
    const clickMetrics = tracking((m) => stringList(m.track.clicks).length);
    if (clickMetrics.length === 0) return;
    const onClick = (event: Event) => {
      const target = event.target as Element | null;
      if (!target || typeof target.closest !== 'function') return;
      const recorded = new Set<string>();
      for (const metric of clickMetrics) {
        let matched: string | undefined;
        for (const selector of stringList(metric.track.clicks)) {
          const element = closest(target, selector);
          if (!element) continue;
          matched ??= selector;
          if (recorded.has(selector)) continue;
          recorded.add(selector);
          record('click', selector, {
            selector,
            tag: element.tagName.toLowerCase(),
            // getAttribute, not .id: a form's .id can be a child input named "id".
            id: element.getAttribute('id') ?? undefined,
          });
        }
        if (matched) observe(metric, 1, 1, { path: path(), selector: matched });
      }
    };
    // Capture phase: a page calling stopPropagation() still gets its clicks counted.
    document.addEventListener('click', guard(onClick), true);
  }

  function installScroll(): void {
    const scrollMetrics = tracking((m) => scrollThresholds(m.track.scrollDepth).length);
    const thresholds = ([] as number[]).concat(
      ...scrollMetrics.map((m) => scrollThresholds(m.track.scrollDepth)),
    );
    if (thresholds.length === 0) return;
    const onScroll = () => {
      if (!active()) return;
      const root = document.documentElement;
      const percent = scrollPercent(
        scrollY,
        innerHeight,
        Math.max(root.scrollHeight, document.body?.scrollHeight ?? 0),
      );
      for (const threshold of newThresholds(thresholds, scrollReported, percent)) {
        scrollReported.add(threshold);
        record('scroll', `${threshold}%`, { percent: threshold });
        for (const metric of scrollMetrics) {
          if (scrollThresholds(metric.track.scrollDepth).includes(threshold)) {
            observe(metric, 1, threshold, { path: path(), depth: String(threshold) });
          }
        }
      }
    };
    addEventListener('scroll', guard(onScroll), { passive: true });
  }

  function installForms(): void {
    const formMetrics = tracking(
      (m) => m.track.formSubmissions === true || stringList(m.track.formSubmissions).length,
    );
    if (formMetrics.length === 0) return;
    const onSubmit = (event: Event) => {
      const form = event.target as Element | null;
      if (!form || typeof form.closest !== 'function') return;
      let recorded = false;
      for (const metric of formMetrics) {
        const wanted = metric.track.formSubmissions;
        const selector = wanted === true ? undefined : stringList(wanted).find((s) => closest(form, s));
        if (wanted !== true && !selector) continue;
        if (!recorded) {
          recorded = true;
          const id = form.getAttribute('id') ?? undefined;
          record('form_submit', id ?? form.getAttribute('name') ?? undefined, {
            selector,
            id,
            action: form.getAttribute('action') ?? undefined,
          });
        }
        observe(metric, 1, 1, { path: path(), selector });
      }
    };
    document.addEventListener('submit', guard(onSubmit), true);
  }

  function installCustomEvents(): void {
    const names = new Set(([] as string[]).concat(...metrics.map((m) => stringList(m.track.customEvents))));
    for (const name of names) {
      // DOM events dispatched on document, or bubbling to it; `detail` becomes the properties.
      document.addEventListener(
        name,
        guard((event: Event) => track(name, (event as CustomEvent<unknown>).detail)),
      );
    }
  }

  function installNavigation(): void {
    for (const method of ['pushState', 'replaceState'] as const) {
      const original = history[method];
      history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
        // The app's own errors (e.g. a cross-origin URL) stay the app's: only our part is guarded.
        const result = original.apply(this, args);
        onNavigation();
        return result;
      };
    }
    addEventListener('popstate', onNavigation);
    addEventListener('hashchange', onNavigation);
  }

  function installVisibility(): void {
    const hide = guard(() => {
      if (navigationTimer) settleNavigation();
      events.hide();
      samples.hide();
    });
    const show = guard(() => {
      events.show();
      samples.show();
    });
    // pagehide covers unload and the back/forward cache; a hidden tab may be killed without one.
    addEventListener('pagehide', hide);
    addEventListener('pageshow', show);
    document.addEventListener('visibilitychange', () =>
      (document.visibilityState === 'hidden' ? hide : show)(),
    );
    addEventListener(
      'online',
      guard(() => {
        events.retryNow();
        samples.retryNow();
      }),
    );
  }

  // The public API -----------------------------------------------------------------------------
  const metricHandle = (name: unknown) => {
    const metric = metrics.find((m) => m.name === name);
    const call = (type: MetricType, fallback?: number) =>
      guard((first?: unknown, second?: unknown) => {
        const [value, labels] = valueAndLabels(first, second, fallback);
        sample(metric, type, value, labels);
      });
    return { inc: call('counter', 1), set: call('gauge'), observe: call('histogram') };
  };

  const api: ClickstreamApi = {
    track: guard(track),
    identify: guard((userId: unknown, traits?: unknown) => {
      if (!active()) return;
      if ((typeof userId === 'string' && userId) || typeof userId === 'number') {
        saveItem(STORAGE_KEYS.userId, clip(String(userId), MAX_ID_LENGTH));
      }
      record('identify', undefined, traits);
    }),
    page: guard(pageView),
    reset: guard(() => {
      removeItem(STORAGE_KEYS.userId);
      removeItem(STORAGE_KEYS.anonymousId);
      removeItem(STORAGE_KEYS.session);
    }),
    optOut: guard(() => {
      optedOut = true;
      saveItem(STORAGE_KEYS.optOut, '1');
      events.clear();
      samples.clear();
      api.reset();
    }),
    optIn: guard(() => {
      optedOut = false;
      removeItem(STORAGE_KEYS.optOut);
    }),
    flush: guard(() => {
      events.flush();
      samples.flush();
    }),
    counter: metricHandle,
    gauge: metricHandle,
    histogram: metricHandle,
    push: guard((command: unknown) => {
      if (!Array.isArray(command)) return;
      const [method, ...args] = command as [unknown, ...unknown[]];
      if (method === 'counter' || method === 'gauge' || method === 'histogram') {
        metricHandle(args[0])[METRIC_VERBS[method]](args[1], args[2]);
      } else if (method !== 'push' && typeof method === 'string' && hasOwn.call(api, method)) {
        (api[method as keyof ClickstreamApi] as (...rest: unknown[]) => void)(...args);
      }
    }),
  };

  return {
    api,
    start: guard(() => {
      if (!config) return;
      for (const install of [
        installNavigation,
        installClicks,
        installScroll,
        installForms,
        installCustomEvents,
        installVisibility,
      ]) {
        guard(install)();
      }
      pageView();
      // The first page view leaves at once (most visits are one page), with whatever an earlier
      // visit left in the offline queue.
      events.flush();
      samples.flush();
    }),
  };
}
