// Create an owner account: the server also creates a first app with one browser and one server
// key, whose full values the welcome screen shows this once.
import type { View } from '../context.ts';
import { field, h } from '../dom.ts';
import type { Registration } from '../types.ts';
import { formField, formSummary, onSubmit, showFieldErrors } from '../ui.ts';
import { authCard, requireFilled } from './auth-card.ts';

/** The server's minimum (control-plane/auth/passwords.ts), checked here for a quicker message. */
const MIN_PASSWORD_LENGTH = 10;

export const signUpView: View = (main, ctx) => {
  const form = h(
    'form',
    { class: 'stack', 'aria-label': 'Create an account' },
    formSummary(),
    formField({
      name: 'name',
      label: 'Name (optional)',
      control: h('input', { name: 'name', type: 'text', autocomplete: 'name', maxlength: 100 }),
    }),
    formField({
      name: 'email',
      label: 'Email',
      control: h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true }),
    }),
    formField({
      name: 'password',
      label: 'Password',
      hint: `At least ${MIN_PASSWORD_LENGTH} characters. A few unrelated words make a strong one.`,
      control: h('input', {
        name: 'password',
        type: 'password',
        autocomplete: 'new-password',
        minlength: MIN_PASSWORD_LENGTH,
        required: true,
      }),
    }),
    h('button', { type: 'submit', class: 'primary wide' }, 'Create account'),
  );
  onSubmit(
    form,
    async () => {
      const name = field<HTMLInputElement>(form, 'name').value.trim();
      const email = field<HTMLInputElement>(form, 'email').value.trim();
      const password = field<HTMLInputElement>(form, 'password').value;
      const issues = requireFilled({
        email: [email, 'Enter your email'],
        password: [password, 'Choose a password'],
      });
      if (password && password.length < MIN_PASSWORD_LENGTH) {
        issues.push({ field: 'body.password', message: `Use at least ${MIN_PASSWORD_LENGTH} characters` });
      }
      if (issues.length) {
        showFieldErrors(form, issues);
        return;
      }
      const answer = await ctx.api.post<Registration>(
        '/api/auth/register',
        { email, password, ...(name ? { name } : {}) },
        false,
      );
      ctx.api.session.start(answer);
      ctx.flash.registration = answer;
      ctx.apps.clear();
      ctx.signedIn();
      ctx.navigate('/welcome');
    },
    {
      fieldForCode: {
        email_taken: 'body.email',
        password_too_short: 'body.password',
        password_too_long: 'body.password',
        password_too_weak: 'body.password',
      },
    },
  );
  main.append(
    authCard(
      'Create your account',
      'Start collecting events in minutes: your first app and its keys are created with the account.',
      form,
      h('p', { class: 'switch' }, 'Already have an account? ', h('a', { href: '#/sign-in' }, 'Sign in')),
    ),
  );
};
