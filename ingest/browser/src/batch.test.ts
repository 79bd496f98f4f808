import { describe, expect, it } from 'vitest';
import {
  batchBytes,
  capQueue,
  type Item,
  MAX_BATCH_BYTES,
  MAX_BATCH_ITEMS,
  renderBody,
  SENT_AT_BYTES,
  splitBatches,
  utf8Bytes,
} from './batch.ts';

const item = (json: string, extra = 0): Item => ({ json, bytes: utf8Bytes(json) + extra });
const event = (i: number, pad = 0) =>
  item(JSON.stringify({ eventType: 'track', i, pad: 'x'.repeat(pad) }), SENT_AT_BYTES);
const SENT_AT = '2024-05-06T07:08:09.123Z';

describe('utf8Bytes', () => {
  it.each([
    ['', 0],
    ['plain ascii', 11],
    ['é', 2],
    ['€', 3],
    ['😀', 4],
    ['mixed é € 😀 text', Buffer.byteLength('mixed é € 😀 text')],
    ['\u07ff\u0800\uffff', Buffer.byteLength('\u07ff\u0800\uffff')],
  ])('%j is %i bytes', (text, bytes) => {
    expect(utf8Bytes(text)).toBe(bytes);
  });
});

describe('renderBody', () => {
  it('wraps items under the field and stamps each event with sentAt', () => {
    const body = renderBody('events', [item('{"eventType":"a"}'), item('{"eventType":"b","n":1}')], SENT_AT);
    expect(JSON.parse(body)).toEqual({
      events: [
        { sentAt: SENT_AT, eventType: 'a' },
        { sentAt: SENT_AT, eventType: 'b', n: 1 },
      ],
    });
  });

  it('leaves samples as they are', () => {
    expect(renderBody('samples', [item('{"name":"x","value":1}')])).toBe(
      '{"samples":[{"name":"x","value":1}]}',
    );
  });

  it('counts what sentAt adds exactly', () => {
    const json = '{"eventType":"a"}';
    expect(utf8Bytes(renderBody('events', [item(json)], SENT_AT))).toBe(
      utf8Bytes(renderBody('events', [item(json)])) + SENT_AT_BYTES,
    );
  });
});

describe('splitBatches', () => {
  it('returns nothing for nothing', () => {
    expect(splitBatches([])).toEqual([]);
  });

  it('cuts by count', () => {
    const items = Array.from({ length: MAX_BATCH_ITEMS * 2 + 3 }, (_, i) => event(i));
    expect(splitBatches(items).map((batch) => batch.length)).toEqual([MAX_BATCH_ITEMS, MAX_BATCH_ITEMS, 3]);
  });

  it('cuts by bytes so every rendered body, sentAt included, fits the limit', () => {
    const items = Array.from({ length: 40 }, (_, i) => event(i, 3_000 + i * 37));
    const batches = splitBatches(items);
    expect(batches.length).toBeGreaterThan(3);
    for (const batch of batches) {
      const body = renderBody('events', batch, SENT_AT);
      expect(utf8Bytes(body)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
      expect(utf8Bytes(body)).toBeGreaterThanOrEqual(batchBytes(batch) - 2);
      expect(utf8Bytes(body)).toBeLessThanOrEqual(batchBytes(batch));
    }
    expect(batches.flat()).toEqual(items);
  });

  it('packs batches full before cutting', () => {
    const items = Array.from({ length: 10 }, (_, i) => event(i, 100));
    const fourFit = batchBytes(items.slice(0, 4));
    expect(splitBatches(items, 100, fourFit).map((batch) => batch.length)).toEqual([4, 4, 2]);
    expect(splitBatches(items, 100, fourFit - 1).map((batch) => batch.length)).toEqual([3, 3, 3, 1]);
  });

  it('sends an item larger than any batch alone instead of looping or losing it', () => {
    const big = event(1, 100);
    expect(splitBatches([event(0), big, event(2)], 10, 50)).toEqual([[event(0)], [big], [event(2)]]);
  });
});

describe('capQueue', () => {
  const items = Array.from({ length: 10 }, (_, i) => event(i, 10));

  it('keeps everything under both caps', () => {
    expect(capQueue(items, 10, 1_000_000)).toEqual(items);
  });

  it('drops the oldest beyond the count cap', () => {
    expect(capQueue(items, 4, 1_000_000)).toEqual(items.slice(6));
  });

  it('drops the oldest beyond the byte cap', () => {
    const cap = batchBytes(items.slice(7));
    expect(capQueue(items, 10, cap)).toEqual(items.slice(7));
    expect(capQueue(items, 10, cap - 1)).toEqual(items.slice(8));
  });

  it('keeps nothing when nothing fits', () => {
    expect(capQueue(items, 10, 5)).toEqual([]);
  });
});
