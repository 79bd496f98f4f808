// Where "Sign in with Google" ends: the server redirected here with a one-time handoff code in
// the fragment; exchanging it gives the session. The code leaves the address bar at once.
import type { View } from '../context.ts';
import { h } from '../dom.ts';
import type { SignedIn } from '../types.ts';
import { errorBox, loading } from '../ui.ts';
import { authCard, safeNext } from './auth-card.ts';

export const authCallbackView: View = async (main, ctx) => {
  const handoff = ctx.query.get('handoff');
  // Never leave the code in history, whatever happens next.
  window.history.replaceState(null, '', '#/auth/callback');
  const status = h('div', { 'aria-live': 'polite' }, loading('Finishing sign-in…'));
  main.append(authCard('Signing you in', 'One moment while we finish signing you in with Google.', status));
  if (!handoff) {
    status.replaceChildren(
      errorBox(new Error('This sign-in link is incomplete; start the sign-in again.')),
      h('p', null, h('a', { href: '#/sign-in' }, 'Back to sign-in')),
    );
    return;
  }
  try {
    const answer = await ctx.api.post<SignedIn & { returnTo: string }>(
      '/api/auth/google/session',
      { handoff },
      false,
    );
    ctx.api.session.start(answer);
    ctx.apps.clear();
    ctx.signedIn();
    const next = safeNext(answer.returnTo);
    ctx.navigate(next && next !== '/' ? next : '/apps', { replace: true });
  } catch (error) {
    status.replaceChildren(errorBox(error), h('p', null, h('a', { href: '#/sign-in' }, 'Back to sign-in')));
  }
};
