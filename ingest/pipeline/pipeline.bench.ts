// Micro-benchmark of the pipeline steps on realistic batches. Not a test: run it by hand with
//   node --import tsx ingest/pipeline/pipeline.bench.ts
// It reports wall and CPU time per batch and per event (best of several rounds, so a busy
// machine's noise shows as the gap between the two rather than as inflated numbers).
import {
  createUuidV7Generator,
  jsonLine,
  type PipelineContext,
  parseJsonBody,
  processMetricSamples,
  processSegmentBatch,
  processTrackBatch,
  readSegmentBatch,
  readTrackBatch,
  toEventRow,
  validateTrackEvent,
} from './index.ts';
import type { TrackEvent } from './schemas.ts';

/** Events per batch: what SDKs typically flush and what the throughput target is stated for. */
const BATCH_EVENTS = 100;
/** Rounds per measurement; the best one is reported. */
const ROUNDS = 7;
/** Target time per round, so fast and slow cases both get a stable average. */
const ROUND_MS = 300;
const MAX_DEPTH = 32;

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
];

const receivedAt = Date.UTC(2026, 10, 21, 10, 0, 0, 0);
const context: PipelineContext = {
  appId: '0190c1c8-8f4c-7cc3-9a5e-6c1a2b3c4d5e',
  retentionDays: 365,
  receivedAt,
  userAgent: USER_AGENTS[0],
  newEventId: createUuidV7Generator(),
};

function trackEvent(i: number): Record<string, unknown> {
  return {
    eventType: i % 5 === 0 ? 'click' : 'pageview',
    eventId: `0190c1c8-8f4c-7cc3-9a5e-${String(100000000000 + i)}`,
    userId: i % 3 === 0 ? `user-${i % 1000}` : null,
    anonymousId: `anon-${(i * 7919) % 100000}`,
    sessionId: `sess-${i % 300}-4f1c2a`,
    url: `https://shop.example.com/products/item-${i}?utm_source=google&utm_medium=cpc&utm_campaign=spring&ref=${i}`,
    referrer: 'https://www.google.com/search?q=running+shoes',
    title: `Product ${i} | Example Shop`,
    locale: 'en-US',
    screenWidth: 1920,
    screenHeight: 1080,
    timestamp: new Date(receivedAt - 5_000 + i).toISOString(),
    sentAt: new Date(receivedAt - 1_000).toISOString(),
    metadata: { plan: 'pro', price: 19.99 + i, tags: ['new', 'sale'] },
  };
}

function segmentMessage(i: number): Record<string, unknown> {
  return {
    type: i % 4 === 0 ? 'page' : 'track',
    event: 'Product Viewed',
    name: 'Product',
    // analytics.js ids are not UUIDs: each one is hashed into a stable UUID.
    messageId: `ajs-next-${(1e15 + i * 7919).toString(16)}${i}`,
    anonymousId: `0f8fad5b-d9cb-469f-a165-${String(707000000000 + (i % 500))}`,
    userId: null,
    timestamp: new Date(receivedAt - 3_000 + i).toISOString(),
    sentAt: new Date(receivedAt - 500).toISOString(),
    properties: { product_id: `sku-${i}`, price: 42.5, currency: 'USD' },
    context: {
      userAgent: USER_AGENTS[i % USER_AGENTS.length],
      locale: 'en-US',
      page: {
        url: `https://shop.example.com/p/${i}?utm_source=newsletter`,
        path: `/p/${i}`,
        referrer: 'https://news.example.org/',
        title: 'Shop',
        search: '?utm_source=newsletter',
      },
      screen: { width: 390, height: 844 },
      library: { name: 'analytics.js', version: 'next-1.70.0' },
    },
    integrations: {},
  };
}

const trackBody = Buffer.from(
  JSON.stringify({ events: Array.from({ length: BATCH_EVENTS }, (_, i) => trackEvent(i)) }),
);
const segmentBody = Buffer.from(
  JSON.stringify({
    batch: Array.from({ length: BATCH_EVENTS }, (_, i) => segmentMessage(i)),
    sentAt: new Date(receivedAt).toISOString(),
  }),
);
const metricConfigs = [
  { name: 'checkout_total', type: 'counter' as const, labelNames: ['plan'], buckets: null, enabled: true },
  {
    name: 'load_seconds',
    type: 'histogram' as const,
    labelNames: ['page'],
    buckets: [0.1, 0.5, 1, 2.5],
    enabled: true,
  },
];
const metricBody = Buffer.from(
  JSON.stringify({
    samples: Array.from({ length: BATCH_EVENTS }, (_, i) =>
      i % 2 === 0
        ? { name: 'checkout_total', value: 1, labels: { plan: 'pro' } }
        : { name: 'load_seconds', value: 0.42, labels: { page: '/home' }, timestamp: receivedAt - 1000 },
    ),
  }),
);
const deepBody = Buffer.from('['.repeat(100_000));
const deepClosedBody = Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
const escapedBody = Buffer.from(trackBody.toString('latin1').replaceAll('Product', '\\u0050roduct'));

function eventsOf(body: Buffer): unknown[] {
  const parsed = parseJsonBody(body, { maxDepth: MAX_DEPTH });
  if (!parsed.ok) throw new Error(parsed.message);
  const batch = readTrackBatch(parsed.value);
  if (!batch.ok) throw new Error(batch.message);
  return batch.value.items;
}
const trackItems = eventsOf(trackBody);
const validEvents = trackItems.map((item) => {
  const valid = validateTrackEvent(item);
  if (!valid.ok) throw new Error(valid.message);
  return valid.value;
}) as TrackEvent[];
const rows = validEvents.map((event) => {
  const row = toEventRow(event, context);
  if (!row.ok) throw new Error(row.message);
  return row.value;
});

interface Measurement {
  name: string;
  wallUs: number;
  cpuUs: number;
  events: number;
}

let sink = 0;
function measure(name: string, events: number, run: () => unknown): Measurement {
  // Warm up until the JIT has settled, and calibrate iterations to ROUND_MS.
  let iterations = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) sink ^= run() === undefined ? 0 : 1;
    if (performance.now() - start > ROUND_MS / 4) break;
    iterations *= 2;
  }
  iterations *= 4;
  let wallUs = Number.POSITIVE_INFINITY;
  let cpuUs = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink ^= run() === undefined ? 0 : 1;
    const wall = Number(process.hrtime.bigint() - start) / 1000 / iterations;
    const used = process.cpuUsage(cpu);
    wallUs = Math.min(wallUs, wall);
    cpuUs = Math.min(cpuUs, (used.user + used.system) / iterations);
  }
  return { name, wallUs, cpuUs, events };
}

const results: Measurement[] = [
  measure('parse: track batch body (bytes -> value)', BATCH_EVENTS, () =>
    parseJsonBody(trackBody, { maxDepth: MAX_DEPTH }),
  ),
  measure('  of which JSON.parse alone', BATCH_EVENTS, () => JSON.parse(trackBody.toString('latin1'))),
  measure('parse: same body with \\u escapes (slow path)', BATCH_EVENTS, () =>
    parseJsonBody(escapedBody, { maxDepth: MAX_DEPTH }),
  ),
  measure('validate: 100 track events (ajv)', BATCH_EVENTS, () => trackItems.map(validateTrackEvent)),
  measure('enrich: 100 toEventRow', BATCH_EVENTS, () =>
    validEvents.map((event) => toEventRow(event, context)),
  ),
  // Buffer.from: what writing the text to the spool costs on top (UTF-8 encoding).
  measure('serialize: 100 rows (jsonLine) + Buffer.from', BATCH_EVENTS, () =>
    Buffer.from(rows.map(jsonLine).join('')),
  ),
  measure('processTrackBatch (validate+enrich+serialize)', BATCH_EVENTS, () =>
    processTrackBatch(trackItems, context, '/api/events/track/batch'),
  ),
  // End to end includes encoding the rows as UTF-8 bytes, which writing them to the spool costs.
  measure('track batch: parse+process+encode', BATCH_EVENTS, () => {
    const parsed = parseJsonBody(trackBody, { maxDepth: MAX_DEPTH });
    const batch = parsed.ok ? readTrackBatch(parsed.value) : parsed;
    if (!batch.ok) throw new Error(batch.message);
    return Buffer.from(processTrackBatch(batch.value.items, context, '/api/events/track/batch').rows);
  }),
  measure('segment batch: parse+process+encode', BATCH_EVENTS, () => {
    const parsed = parseJsonBody(segmentBody, { maxDepth: MAX_DEPTH });
    const batch = parsed.ok ? readSegmentBatch(parsed.value) : parsed;
    if (!batch.ok) throw new Error(batch.message);
    return Buffer.from(
      processSegmentBatch(batch.value.items, context, '/v1/batch', batch.value.envelope).rows,
    );
  }),
  measure('metric samples: parse+process+encode', BATCH_EVENTS, () => {
    const parsed = parseJsonBody(metricBody, { maxDepth: MAX_DEPTH });
    if (!parsed.ok) throw new Error(parsed.message);
    return Buffer.from(processMetricSamples(parsed.value, metricConfigs, context).rows);
  }),
  measure('parse: 100,000 x "[" (unclosed) -> too_deep', 0, () =>
    parseJsonBody(deepBody, { maxDepth: MAX_DEPTH }),
  ),
  measure('parse: 100,000-deep closed arrays -> too_deep', 0, () =>
    parseJsonBody(deepClosedBody, { maxDepth: MAX_DEPTH }),
  ),
  measure('  JSON.parse alone on the same (for contrast)', 0, () =>
    JSON.parse(deepClosedBody.toString('latin1')),
  ),
];

const format = (value: number) => value.toFixed(value < 10 ? 2 : 1).padStart(9);
console.log(
  `node ${process.version}, ${BATCH_EVENTS}-event batches; bodies: track ${trackBody.length} B, segment ${segmentBody.length} B, metrics ${metricBody.length} B`,
);
console.log(
  `${'step'.padEnd(50)} ${'wall µs'.padStart(9)} ${'cpu µs'.padStart(9)} ${'µs/event'.padStart(9)}`,
);
for (const { name, wallUs, cpuUs, events } of results) {
  const perEvent = events > 0 ? format(wallUs / events) : ''.padStart(9);
  console.log(`${name.padEnd(50)} ${format(wallUs)} ${format(cpuUs)} ${perEvent}`);
}
if (sink === 2) console.log('');
