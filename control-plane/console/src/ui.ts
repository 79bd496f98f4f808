// Shared pieces of every screen: page headings, loading and error states, form fields with their
// error messages, copy buttons, confirmation dialogs, and the polite live region that tells
// screen-reader users what just happened.
import { ApiError, isAbort } from './api.ts';
import { type Child, h, replace, uid } from './dom.ts';
import type { FieldIssue } from './types.ts';

// Long enough to read a short sentence, short enough not to pile up.
const TOAST_MS = 4_000;
// A copy confirmation only needs to register; the button then returns to its label.
const COPIED_MS = 2_000;

let liveRegion: HTMLElement | undefined;
let toastTimer: ReturnType<typeof setTimeout> | undefined;

/** Say something politely (screen readers) and show it briefly (everyone). */
export function announce(message: string): void {
  if (!liveRegion) {
    liveRegion = h('div', { class: 'toast', role: 'status', 'aria-live': 'polite', 'data-testid': 'toast' });
    document.body.append(liveRegion);
  }
  liveRegion.textContent = message;
  liveRegion.classList.add('visible');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => liveRegion?.classList.remove('visible'), TOAST_MS);
}

/** The screen's heading: focused after navigation so keyboard and screen-reader users start here. */
export function pageHeader(title: string, subtitle?: Child, actions?: Child): HTMLElement {
  return h(
    'header',
    { class: 'page-header' },
    h(
      'div',
      null,
      h('h1', { tabindex: -1 }, title),
      subtitle ? h('p', { class: 'subtitle' }, subtitle) : null,
    ),
    actions ? h('div', { class: 'page-actions' }, actions) : null,
  );
}

export function loading(label = 'Loading…'): HTMLElement {
  return h(
    'div',
    { class: 'loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    label,
  );
}

/** A readable message for anything thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return 'Something went wrong; try again';
}

export function errorBox(error: unknown, retry?: () => void): HTMLElement {
  return h(
    'div',
    { class: 'alert error', role: 'alert' },
    h('p', null, messageOf(error)),
    retry ? h('button', { type: 'button', class: 'secondary small', onclick: retry }, 'Try again') : null,
  );
}

export function emptyState(title: string, ...body: Child[]): HTMLElement {
  return h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, title), ...body);
}

/** Run `load`, showing a loading state in `target` until it renders or fails (with a retry). */
export async function loadInto<T>(
  target: HTMLElement,
  load: () => Promise<T>,
  render: (value: T) => Child,
  label?: string,
): Promise<void> {
  target.setAttribute('aria-busy', 'true');
  replace(target, loading(label));
  try {
    const value = await load();
    replace(target, render(value));
  } catch (error) {
    if (isAbort(error)) return;
    replace(
      target,
      errorBox(error, () => {
        void loadInto(target, load, render, label);
      }),
    );
  } finally {
    target.removeAttribute('aria-busy');
  }
}

export interface FieldOptions {
  /** The API field this control reports errors for (without "body."), e.g. "labelNames". */
  name: string;
  label: string;
  hint?: Child;
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  /** Wrapper class, e.g. "checkbox" for a control before its label. */
  variant?: 'checkbox';
}

/** A labelled control with a hint and a slot for its error message. */
export function formField(options: FieldOptions): HTMLElement {
  const { control } = options;
  control.id ||= uid('f');
  const hintId = uid('hint');
  const errorId = uid('err');
  const describedBy = options.hint ? hintId : '';
  if (describedBy) control.setAttribute('aria-describedby', describedBy);
  control.dataset.describedBy = describedBy;
  control.dataset.errorId = errorId;
  const label = h('label', { for: control.id }, options.label);
  const hint = options.hint ? h('p', { class: 'hint', id: hintId }, options.hint) : null;
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  return h(
    'div',
    { class: `field${options.variant ? ` ${options.variant}` : ''}`, 'data-field': options.name },
    options.variant === 'checkbox' ? [control, label] : [label, control],
    hint,
    error,
  );
}

/** Where an API field error belongs: the longest known field it starts with, and an item index. */
export function matchField(
  issueField: string,
  known: readonly string[],
): { name: string; index: number | undefined } | undefined {
  const path = issueField.replace(/^(body|query|path)\./, '');
  let best: string | undefined;
  for (const name of known) {
    if ((path === name || path.startsWith(`${name}.`)) && (!best || name.length > best.length)) best = name;
  }
  if (best === undefined) return undefined;
  const rest = path.slice(best.length + 1);
  const index = /^\d+$/.test(rest) ? Number(rest) : undefined;
  return { name: best, index };
}

/** Friendlier words for the schema's messages where they would otherwise show a regex. */
function readable(issue: FieldIssue, hints: Readonly<Record<string, string>>, name: string): string {
  const schemaWords =
    issue.message.startsWith('must match pattern') || issue.message.startsWith('must match format');
  if (schemaWords && hints[name]) return hints[name];
  if (issue.message === 'must match format "email"') return 'Enter a valid email address';
  return issue.message;
}

export function clearFieldErrors(form: HTMLFormElement): void {
  for (const error of form.querySelectorAll<HTMLElement>('.field-error')) {
    error.hidden = true;
    error.textContent = '';
  }
  for (const control of form.querySelectorAll('[aria-invalid]')) {
    control.removeAttribute('aria-invalid');
    const described = (control as HTMLElement).dataset.describedBy;
    if (described) control.setAttribute('aria-describedby', described);
    else control.removeAttribute('aria-describedby');
  }
  const summary = form.querySelector<HTMLElement>('.form-summary');
  if (summary) {
    summary.hidden = true;
    summary.replaceChildren();
  }
}

/**
 * Put each error next to its field (and a summary at the top of the form), mark the fields
 * invalid, and move focus to the first one. Returns how many errors were shown.
 */
export function showFieldErrors(
  form: HTMLFormElement,
  issues: readonly FieldIssue[],
  patternHints: Readonly<Record<string, string>> = {},
): number {
  clearFieldErrors(form);
  const containers = [...form.querySelectorAll<HTMLElement>('.field[data-field]')];
  const known = containers.map((container) => container.dataset.field ?? '');
  const unplaced: string[] = [];
  let first: HTMLElement | undefined;
  for (const issue of issues) {
    const match = matchField(issue.field, known);
    const container = match && containers.find((c) => c.dataset.field === match.name);
    const control = container?.querySelector<HTMLElement>('input, select, textarea');
    const error = container?.querySelector<HTMLElement>('.field-error');
    if (!match || !control || !error) {
      unplaced.push(issue.message);
      continue;
    }
    const message = readable(issue, patternHints, match.name);
    const text = match.index === undefined ? message : `Item ${match.index + 1}: ${message}`;
    error.textContent = error.textContent ? `${error.textContent} ${text}` : text;
    error.hidden = false;
    control.setAttribute('aria-invalid', 'true');
    const described = [control.dataset.describedBy, error.id].filter(Boolean).join(' ');
    control.setAttribute('aria-describedby', described);
    first ??= control;
  }
  const summary = form.querySelector<HTMLElement>('.form-summary');
  if (summary) {
    const count = issues.length;
    replace(
      summary,
      h(
        'p',
        null,
        count === 1 ? 'Please fix the field marked below.' : `Please fix the ${count} problems marked below.`,
      ),
      unplaced.length
        ? h(
            'ul',
            null,
            unplaced.map((message) => h('li', null, message)),
          )
        : null,
    );
    summary.hidden = false;
  }
  first?.focus();
  return issues.length;
}

/** The box at the top of a form for its overall errors. */
export function formSummary(): HTMLElement {
  return h('div', { class: 'alert error form-summary', role: 'alert', tabindex: -1, hidden: true });
}

/**
 * Submit handling shared by every form: disables the submit button while the request runs, shows
 * field errors (validation_failed) next to their fields and anything else in the summary.
 */
export function onSubmit(
  form: HTMLFormElement,
  submit: () => Promise<void>,
  options: { patternHints?: Record<string, string>; fieldForCode?: Record<string, string> } = {},
): void {
  form.noValidate = true;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
      const label = button?.textContent ?? '';
      if (button) {
        button.disabled = true;
        button.textContent = 'Working…';
      }
      form.setAttribute('aria-busy', 'true');
      clearFieldErrors(form);
      try {
        await submit();
      } catch (error) {
        showFormError(form, error, options);
      } finally {
        form.removeAttribute('aria-busy');
        if (button?.isConnected) {
          button.disabled = false;
          button.textContent = label;
        }
      }
    })();
  });
}

export function showFormError(
  form: HTMLFormElement,
  error: unknown,
  options: { patternHints?: Record<string, string>; fieldForCode?: Record<string, string> } = {},
): void {
  if (error instanceof ApiError && error.details.length > 0) {
    showFieldErrors(form, error.details, options.patternHints);
    return;
  }
  const field = error instanceof ApiError ? options.fieldForCode?.[error.code] : undefined;
  if (field && error instanceof ApiError) {
    showFieldErrors(form, [{ field, message: error.message }]);
    return;
  }
  const summary = form.querySelector<HTMLElement>('.form-summary');
  if (summary) {
    replace(summary, h('p', null, messageOf(error)));
    summary.hidden = false;
    summary.focus();
  } else {
    announce(messageOf(error));
  }
}

/** A button that copies `text()` and says so. */
export function copyButton(
  text: () => string,
  label = 'Copy',
  what = 'Text',
  ariaLabel?: string,
): HTMLButtonElement {
  const button = h(
    'button',
    { type: 'button', class: 'secondary small copy', 'aria-label': ariaLabel },
    label,
  );
  button.addEventListener('click', () => {
    void copyText(text()).then(
      () => {
        button.textContent = 'Copied';
        announce(`${what} copied to the clipboard`);
        setTimeout(() => {
          button.textContent = label;
        }, COPIED_MS);
      },
      () => announce('Could not copy: select the text and copy it yourself'),
    );
  });
  return button;
}

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // Permission refused or not a secure context: fall back to a selection copy.
    }
  }
  const area = h('textarea', { readonly: true, class: 'offscreen', 'aria-hidden': 'true' });
  area.value = text;
  document.body.append(area);
  area.select();
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) throw new Error('copy refused');
}

export interface ConfirmOptions {
  title: string;
  body: Child;
  confirmLabel: string;
  danger?: boolean;
  /** Extra controls inside the dialog (e.g. a grace-period choice), read before closing. */
  extra?: HTMLElement;
}

/** A modal confirmation (<dialog>: focus stays inside, Escape cancels). Resolves to the choice. */
export function confirmDialog(options: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const cancel = h('button', { type: 'button', class: 'secondary', value: 'cancel' }, 'Cancel');
    const confirm = h(
      'button',
      { type: 'submit', class: options.danger ? 'danger' : 'primary', value: 'confirm' },
      options.confirmLabel,
    );
    const form = h(
      'form',
      { method: 'dialog' },
      h('h2', { id: titleId }, options.title),
      h('div', { class: 'dialog-body' }, options.body),
      options.extra ?? null,
      h('div', { class: 'dialog-actions' }, cancel, confirm),
    );
    const dialog = h('dialog', { 'aria-labelledby': titleId }, form);
    cancel.addEventListener('click', () => dialog.close('cancel'));
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge badge-${status}` }, status);
}

/** A scrollable table wrapper that keyboard users can scroll too. */
export function tableScroll(label: string, table: HTMLTableElement): HTMLElement {
  return h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': label }, table);
}

export interface SecretBoxOptions {
  title: string;
  secret: string;
  /** What the key is for and how to keep it. */
  description: Child;
  onDone?: () => void;
}

/** A newly issued key, shown this once with a copy button. */
export function secretBox(options: SecretBoxOptions): HTMLElement {
  const titleId = uid('secret');
  const box = h(
    'section',
    { class: 'secret', 'aria-labelledby': titleId, 'data-testid': 'secret' },
    h('h2', { id: titleId }, options.title),
    h('p', null, options.description),
    h(
      'div',
      { class: 'secret-row' },
      h('code', { class: 'secret-value' }, options.secret),
      copyButton(() => options.secret, 'Copy', 'Key', `Copy ${options.title.toLowerCase()}`),
    ),
    h('p', { class: 'secret-warning' }, 'Copy it now: this is the only time the full key is shown.'),
  );
  if (options.onDone) {
    const done = options.onDone;
    box.append(
      h(
        'button',
        {
          type: 'button',
          class: 'secondary small',
          onclick: () => {
            box.remove();
            done();
          },
        },
        'I have saved it',
      ),
    );
  }
  return box;
}
