// Right after sign-up: the first app's two keys, shown in full this once.
import type { View } from '../context.ts';
import { h } from '../dom.ts';
import { pageHeader, secretBox } from '../ui.ts';

export const welcomeView: View = (main, ctx) => {
  const registration = ctx.flash.registration;
  // Shown once: leaving this screen forgets the keys.
  ctx.onLeave(() => {
    ctx.flash.registration = undefined;
  });
  if (!registration) {
    main.append(
      pageHeader('Welcome'),
      h(
        'p',
        null,
        'The keys of your first app were shown right after sign-up and are not shown again. ',
        'You can create new keys on an app’s Keys page.',
      ),
      h('p', null, h('a', { class: 'button primary', href: '#/apps' }, 'Go to your apps')),
    );
    return;
  }
  const { app, keys } = registration;
  main.append(
    pageHeader(
      'Welcome to clickstream',
      `Your account and your first app, “${app.name}”, are ready. Here are its two keys.`,
    ),
    h(
      'div',
      { class: 'grid two' },
      secretBox({
        title: 'Browser key',
        secret: keys.browser.key,
        description:
          'Public: it goes into your site’s tracking snippet and only sends events from the origins you allow.',
      }),
      secretBox({
        title: 'Server key',
        secret: keys.server.key,
        description:
          'Secret: for your servers and for reading your numbers through the API. Keep it out of browsers and repositories.',
      }),
    ),
    h(
      'div',
      { class: 'actions' },
      h('a', { class: 'button primary', href: `#/apps/${app.id}/settings` }, 'Add your site’s origin'),
      h('a', { class: 'button secondary', href: `#/apps/${app.id}/snippet` }, 'Get the tracking snippet'),
      h('a', { class: 'button secondary', href: '#/apps' }, 'Go to your apps'),
    ),
  );
};
