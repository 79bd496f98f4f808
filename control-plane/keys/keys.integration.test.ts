import { Redis as IORedis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { serviceUrl } from '../../runtime/testing/services.ts';
import { serverStoresAvailable } from '../testing/harness.ts';
import { describeKeyLifecycle } from './keys-lifecycle.ts';

const available = serverStoresAvailable();

describe.skipIf(!available)('on real Postgres and Redis', () => {
  describeKeyLifecycle('server', (harness) => {
    it('never puts a raw key in Redis', async () => {
      const h = harness();
      const owner = await h.register();
      const client = new IORedis(serviceUrl('REDIS_URL') as string);
      try {
        const keys = await client.keys('apikey:*');
        expect(keys.length).toBeGreaterThan(0);
        let dump = keys.join('\n');
        for (const key of keys) {
          const type = await client.type(key);
          if (type === 'string') dump += await client.get(key);
          if (type === 'hash') dump += JSON.stringify(await client.hgetall(key));
        }
        expect(dump).toContain(owner.app.id);
        expect(dump).not.toContain(owner.keys.browser.key);
        expect(dump).not.toContain(owner.keys.server.key);
      } finally {
        client.disconnect();
      }
    });
  });
});
