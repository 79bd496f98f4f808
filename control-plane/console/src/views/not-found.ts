// Any fragment the console does not know.
import type { View } from '../context.ts';
import { h } from '../dom.ts';
import { pageHeader } from '../ui.ts';

export const notFoundView: View = (main) => {
  main.append(
    pageHeader('Page not found', 'There is nothing at this address.'),
    h('p', null, h('a', { href: '#/apps' }, 'Go to your apps')),
  );
};
