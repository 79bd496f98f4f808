// The fields of an app (name, allowed origins, retention, time zone, Do Not Track), shared by
// "Create an app" and an app's settings, and how they turn into the API's body.
import { field, h, uid } from '../dom.ts';
import { splitList } from '../format.ts';
import type { App } from '../types.ts';
import { formField } from '../ui.ts';

export const APP_PATTERN_HINTS = {
  allowedOrigins: 'Use an origin like https://www.example.com: scheme and host, optional port, no path',
};

const DEFAULT_RETENTION_DAYS = 365;

export interface AppBody {
  name: string;
  allowedOrigins: string[];
  retentionDays: number;
  timeZone: string;
  respectDnt: boolean;
}

function timeZones(): string[] {
  const supported = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  const zones = supported ? supported('timeZone') : [];
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}

function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * What a browser sends as Origin: scheme://host[:port], lower case, without a trailing slash.
 * Anything with a path is left alone for the server to refuse with its message.
 */
export function normalizeOrigin(text: string): string {
  try {
    const url = new URL(text);
    const bare = url.pathname === '/' && !/[?#]/.test(text);
    if (bare && (url.protocol === 'http:' || url.protocol === 'https:')) return url.origin;
  } catch {
    // Not a URL: the server names the problem.
  }
  return text;
}

export function appFields(app?: App): HTMLElement[] {
  const listId = uid('zones');
  return [
    formField({
      name: 'name',
      label: 'Name',
      control: h('input', {
        name: 'name',
        type: 'text',
        maxlength: 100,
        required: true,
        value: app?.name ?? '',
      }),
    }),
    formField({
      name: 'allowedOrigins',
      label: 'Allowed origins',
      hint: 'One per line, e.g. https://www.example.com. Browser keys only send events from these sites.',
      control: h('textarea', {
        name: 'allowedOrigins',
        rows: 3,
        spellcheck: 'false',
        autocapitalize: 'off',
        value: app?.allowedOrigins.join('\n') ?? '',
      }),
    }),
    h(
      'div',
      { class: 'field-row' },
      formField({
        name: 'retentionDays',
        label: 'Keep events for (days)',
        hint: '1 to 3650. Older events are deleted.',
        control: h('input', {
          name: 'retentionDays',
          type: 'number',
          min: 1,
          max: 3650,
          inputmode: 'numeric',
          value: app?.retentionDays ?? DEFAULT_RETENTION_DAYS,
        }),
      }),
      formField({
        name: 'timeZone',
        label: 'Time zone',
        hint: 'Days and weeks in reports start in this zone.',
        control: h('input', {
          name: 'timeZone',
          type: 'text',
          list: listId,
          autocomplete: 'off',
          spellcheck: 'false',
          value: app?.timeZone ?? browserZone(),
        }),
      }),
    ),
    h(
      'datalist',
      { id: listId },
      timeZones().map((zone) => h('option', { value: zone })),
    ),
    formField({
      name: 'respectDnt',
      label: 'Respect Do Not Track and Global Privacy Control',
      variant: 'checkbox',
      control: h('input', { name: 'respectDnt', type: 'checkbox', checked: app?.respectDnt ?? false }),
    }),
  ];
}

export function readAppForm(form: HTMLFormElement): AppBody {
  const retention = field<HTMLInputElement>(form, 'retentionDays').value.trim();
  return {
    name: field<HTMLInputElement>(form, 'name').value.trim(),
    allowedOrigins: splitList(field<HTMLTextAreaElement>(form, 'allowedOrigins').value, /[\n,\s]+/).map(
      normalizeOrigin,
    ),
    retentionDays: retention === '' ? DEFAULT_RETENTION_DAYS : Number(retention),
    timeZone: field<HTMLInputElement>(form, 'timeZone').value.trim() || 'UTC',
    respectDnt: field<HTMLInputElement>(form, 'respectDnt').checked,
  };
}

/** Local checks with the server's words, before a round trip. */
export function checkAppBody(body: AppBody): { field: string; message: string }[] {
  const issues: { field: string; message: string }[] = [];
  if (body.name === '') issues.push({ field: 'body.name', message: 'Give the app a name' });
  if (!Number.isInteger(body.retentionDays) || body.retentionDays < 1 || body.retentionDays > 3650) {
    issues.push({ field: 'body.retentionDays', message: 'Enter a whole number of days from 1 to 3650' });
  }
  return issues;
}
