// What the signed-out screens share: the centred card and small input checks.
import { type Child, h } from '../dom.ts';
import type { FieldIssue } from '../types.ts';

export function authCard(title: string, intro: string, ...body: Child[]): HTMLElement {
  return h(
    'section',
    { class: 'auth-card card' },
    h('h1', { tabindex: -1 }, title),
    h('p', { class: 'subtitle' }, intro),
    ...body,
  );
}

/** An issue for each empty value: { field: [value, message] }. */
export function requireFilled(values: Record<string, [string, string]>): FieldIssue[] {
  return Object.entries(values)
    .filter(([, [value]]) => value.trim() === '')
    .map(([name, [, message]]) => ({ field: `body.${name}`, message }));
}

/** A post-sign-in route from ?next=, only if it is one of ours (never another origin). */
export function safeNext(next: string | null): string | undefined {
  return next && /^\/(?!\/)[A-Za-z0-9._~/-]*$/.test(next) ? next : undefined;
}
