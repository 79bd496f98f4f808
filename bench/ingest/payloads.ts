// Request bodies for the ingest scenarios: realistic web events (the size of what browsers and
// servers send), so per-event costs are honest.
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0',
];
export const BENCH_USER_AGENT = UAS[0] as string;

export function webEvent(i: number): Record<string, unknown> {
  return {
    eventType: i % 5 === 0 ? 'click' : 'pageview',
    userId: `user-${i % 997}`,
    sessionId: `session-${i % 331}`,
    url: `https://shop.example.com/products/${i % 120}?utm_source=newsletter&utm_medium=email`,
    referrer: 'https://www.google.com/',
    screenWidth: 1440,
    screenHeight: 900,
    locale: 'en-US',
    metadata: { plan: i % 3 === 0 ? 'pro' : 'free', cart: i % 7, experiment: 'checkout-v2' },
  };
}

export function segmentMessage(i: number): Record<string, unknown> {
  return {
    type: i % 4 === 0 ? 'page' : 'track',
    event: 'Product Viewed',
    name: 'Product',
    userId: `user-${i % 997}`,
    anonymousId: `anon-${i % 2003}`,
    properties: { product_id: `p-${i % 120}`, price: 19.99, currency: 'USD' },
    context: {
      userAgent: UAS[i % UAS.length],
      page: { url: `https://shop.example.com/products/${i % 120}`, referrer: 'https://www.google.com/' },
      locale: 'en-US',
    },
    timestamp: new Date().toISOString(),
  };
}

export const singleBody = () => JSON.stringify(webEvent(1));
export const batchBody = (size: number, invalidEvery = 0) =>
  JSON.stringify({
    events: Array.from({ length: size }, (_, i) =>
      invalidEvery > 0 && i % invalidEvery === 0 ? { userId: 'missing event type' } : webEvent(i),
    ),
  });
export const segmentBatchBody = (size: number) =>
  JSON.stringify({ batch: Array.from({ length: size }, (_, i) => segmentMessage(i)) });
