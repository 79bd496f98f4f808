import { describe } from 'vitest';
import { serverStoresAvailable } from '../testing/harness.ts';
import { describeMetricConfigCrud } from './metric-configs-crud.ts';

// Real Postgres and Redis (DATABASE_URL, REDIS_URL); skipped locally without them, required in CI.
describe.skipIf(!serverStoresAvailable())('on real Postgres and Redis', () => {
  describeMetricConfigCrud('server');
});
