// A customer's website for the end-to-end test: one small single-page app carrying the snippet
// the owner copied from the console, served by node:http on several ports. Each port is its own
// origin (http://127.0.0.1:<port>), so one can be the app's allowed origin and another not.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const SITE_USER_ID = 'buyer-42';

/**
 * The page: tracked buy buttons (`button.buy`), an untracked one, a sign-in that identifies the
 * visitor, a link routed with history.pushState, and a button recording a metric by hand.
 */
export function sitePage(snippet: string, metricName: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Shop home</title>
${snippet}
</head>
<body>
<nav><a id="to-pricing" href="/pricing">Pricing</a></nav>
<h1 id="heading">Home</h1>
<button type="button" class="buy" id="buy"><span>Buy</span></button>
<button type="button" class="other" id="other">Not tracked</button>
<button type="button" id="sign-in">Sign in</button>
<button type="button" id="record">Record</button>
<script>
  document.getElementById('to-pricing').addEventListener('click', (event) => {
    event.preventDefault();
    history.pushState({}, '', '/pricing');
    document.title = 'Shop pricing';
    document.getElementById('heading').textContent = 'Pricing';
  });
  document.getElementById('sign-in').addEventListener('click', () =>
    clickstream.identify(${JSON.stringify(SITE_USER_ID)}, { plan: 'pro' }));
  document.getElementById('record').addEventListener('click', () =>
    clickstream.counter(${JSON.stringify(metricName)}).inc(1, { plan: 'pro', ignored: 'not a label' }));
</script>
</body>
</html>`;
}

export interface TestSite {
  /** http://127.0.0.1:<port> of each listener, in the order asked for. */
  origins: string[];
  close(): Promise<void>;
}

/** Serves `html` at every path (a single-page app's fallback) on `count` ports. */
export async function serveSite(html: () => string, count: number): Promise<TestSite> {
  const servers: Server[] = [];
  for (let index = 0; index < count; index += 1) {
    const server = createServer((request, response) => {
      // No icon: a 404 here would be one more failed request in the page's console.
      if (request.url === '/favicon.ico') {
        response.writeHead(204).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(html());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
  }
  return {
    origins: servers.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    close: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}
