// Sign in with email and password, or with Google when the server has it configured.
import type { View } from '../context.ts';
import { field, h } from '../dom.ts';
import type { SignedIn } from '../types.ts';
import { formField, formSummary, onSubmit, showFieldErrors } from '../ui.ts';
import { authCard, requireFilled, safeNext } from './auth-card.ts';

export const signInView: View = (main, ctx) => {
  const next = safeNext(ctx.query.get('next'));
  const form = h(
    'form',
    { class: 'stack', 'aria-label': 'Sign in' },
    formSummary(),
    formField({
      name: 'email',
      label: 'Email',
      control: h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true }),
    }),
    formField({
      name: 'password',
      label: 'Password',
      control: h('input', {
        name: 'password',
        type: 'password',
        autocomplete: 'current-password',
        required: true,
      }),
    }),
    h('button', { type: 'submit', class: 'primary wide' }, 'Sign in'),
  );
  onSubmit(form, async () => {
    const email = field<HTMLInputElement>(form, 'email').value.trim();
    const password = field<HTMLInputElement>(form, 'password').value;
    const missing = requireFilled({
      email: [email, 'Enter your email'],
      password: [password, 'Enter your password'],
    });
    if (missing.length) {
      showFieldErrors(form, missing);
      return;
    }
    const answer = await ctx.api.post<SignedIn>('/api/auth/login', { email, password }, false);
    ctx.api.session.start(answer);
    ctx.signedIn();
    ctx.navigate(next ?? '/apps');
  });

  const google = ctx.config.googleEnabled
    ? [
        h('div', { class: 'divider' }, h('span', null, 'or')),
        h(
          'a',
          {
            class: 'button secondary wide google',
            href: `/api/auth/google?returnTo=${encodeURIComponent(next ?? '/apps')}`,
          },
          'Sign in with Google',
        ),
      ]
    : [];

  main.append(
    authCard(
      'Sign in',
      'Welcome back. Sign in to manage your apps and see your numbers.',
      form,
      ...google,
      h('p', { class: 'switch' }, 'No account yet? ', h('a', { href: '#/sign-up' }, 'Create one')),
    ),
  );
};
