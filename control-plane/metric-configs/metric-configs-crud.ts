// Shared by metric-configs.test.ts (embedded stores) and metric-configs.integration.test.ts
// (real Postgres and Redis): the same HTTP contract must hold on both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type Registered, type StoreMode } from '../testing/harness.ts';
import { listEnabledMetricConfigs } from './repository.ts';
import { MAX_METRIC_CONFIGS_PER_APP, type MetricConfig } from './schemas.ts';

interface ErrorBody {
  error: { code: string; message: string; details?: { field: string; message: string }[] };
}

const json = async <T>(response: Response) => (await response.json()) as T;

export function describeMetricConfigCrud(mode: StoreMode): void {
  describe(`metric configs (${mode} stores)`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(mode);
    });
    afterAll(() => h.close());

    const create = async (owner: Registered, body: Record<string, unknown>) =>
      h.request('POST', '/api/metric-configs', {
        token: owner.accessToken,
        body: { appId: owner.app.id, ...body },
      });

    const created = async (owner: Registered, body: Record<string, unknown>) => {
      const response = await create(owner, body);
      expect(response.status, await response.clone().text()).toBe(201);
      return json<MetricConfig>(response);
    };

    const detailsOf = async (response: Response) => {
      expect(response.status).toBe(400);
      const body = await json<ErrorBody>(response);
      expect(body.error.code).toBe('validation_failed');
      return body.error.details ?? [];
    };

    it('creates, reads, lists, replaces and deletes a config', async () => {
      const owner = await h.register();
      const config = await created(owner, {
        name: 'checkout_seconds',
        type: 'histogram',
        help: 'Time from cart to paid',
        labelNames: ['plan', 'country'],
        buckets: [0.5, 1, 2.5],
        track: { formSubmissions: ['#checkout'], customEvents: ['checkout:done'] },
      });
      expect(config).toMatchObject({
        appId: owner.app.id,
        name: 'checkout_seconds',
        type: 'histogram',
        help: 'Time from cart to paid',
        labelNames: ['plan', 'country'],
        buckets: [0.5, 1, 2.5],
        track: {
          pageViews: false,
          clicks: [],
          scrollDepth: false,
          formSubmissions: ['#checkout'],
          customEvents: ['checkout:done'],
        },
        enabled: true,
        warnings: [],
      });

      const fetched = await h.request('GET', `/api/metric-configs/${config.id}`, {
        token: owner.accessToken,
      });
      expect(fetched.status).toBe(200);
      expect(await fetched.json()).toEqual(config);

      const replaced = await h.request('PUT', `/api/metric-configs/${config.id}`, {
        token: owner.accessToken,
        body: { name: 'checkout_duration_seconds', type: 'histogram', enabled: false },
      });
      expect(replaced.status).toBe(200);
      // PUT replaces: what was not sent is back to its default.
      expect(await replaced.json()).toMatchObject({
        id: config.id,
        name: 'checkout_duration_seconds',
        help: '',
        labelNames: [],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        track: { formSubmissions: false, customEvents: [] },
        enabled: false,
      });

      const list = await h.request('GET', `/api/metric-configs?appId=${owner.app.id}`, {
        token: owner.accessToken,
      });
      expect(list.status).toBe(200);
      const listed = await json<{ metricConfigs: MetricConfig[] }>(list);
      expect(listed.metricConfigs.map((item) => item.name)).toEqual(['checkout_duration_seconds']);

      const removed = await h.request('DELETE', `/api/metric-configs/${config.id}`, {
        token: owner.accessToken,
      });
      expect(removed.status).toBe(204);
      const gone = await h.request('GET', `/api/metric-configs/${config.id}`, { token: owner.accessToken });
      expect(gone.status).toBe(404);
      expect((await json<ErrorBody>(gone)).error.code).toBe('metric_config_not_found');
    });

    it('audits create, update and delete in the same transaction', async () => {
      const owner = await h.register();
      const config = await created(owner, { name: 'signups_total', type: 'counter' });
      await h.request('PUT', `/api/metric-configs/${config.id}`, {
        token: owner.accessToken,
        body: { name: 'signups_total', type: 'counter', help: 'New accounts' },
      });
      await h.request('DELETE', `/api/metric-configs/${config.id}`, { token: owner.accessToken });
      const { rows } = await h.deps.postgres.query<{
        action: string;
        actor_id: string;
        details: Record<string, unknown>;
      }>(`SELECT action, actor_id, details FROM audit_log WHERE target_id = $1 ORDER BY id`, [config.id]);
      expect(rows).toEqual([
        {
          action: 'metric_config.create',
          actor_id: owner.user.id,
          details: { name: 'signups_total', type: 'counter' },
        },
        {
          action: 'metric_config.update',
          actor_id: owner.user.id,
          details: { name: 'signups_total', fields: ['help'] },
        },
        {
          action: 'metric_config.delete',
          actor_id: owner.user.id,
          details: { name: 'signups_total', type: 'counter' },
        },
      ]);
    });

    it('answers 409 metric_name_taken for a duplicate name in the same app only', async () => {
      const owner = await h.register();
      const other = await h.register();
      await created(owner, { name: 'page_views_total', type: 'counter' });
      const duplicate = await create(owner, { name: 'page_views_total', type: 'gauge' });
      expect(duplicate.status).toBe(409);
      expect((await json<ErrorBody>(duplicate)).error.code).toBe('metric_name_taken');
      await created(other, { name: 'page_views_total', type: 'counter' });

      const second = await created(owner, { name: 'clicks_total', type: 'counter' });
      const rename = await h.request('PUT', `/api/metric-configs/${second.id}`, {
        token: owner.accessToken,
        body: { name: 'page_views_total', type: 'counter' },
      });
      expect(rename.status).toBe(409);
      expect((await json<ErrorBody>(rename)).error.code).toBe('metric_name_taken');
    });

    it("treats another owner's app and configs as missing", async () => {
      const owner = await h.register();
      const intruder = await h.register();
      const config = await created(owner, { name: 'signups_total', type: 'counter' });
      const token = intruder.accessToken;

      const responses = [
        await h.request('GET', `/api/metric-configs/${config.id}`, { token }),
        await h.request('PUT', `/api/metric-configs/${config.id}`, {
          token,
          body: { name: 'hijacked_total', type: 'counter' },
        }),
        await h.request('DELETE', `/api/metric-configs/${config.id}`, { token }),
        await h.request('GET', `/api/metric-configs?appId=${owner.app.id}`, { token }),
        await h.request('POST', '/api/metric-configs', {
          token,
          body: { appId: owner.app.id, name: 'planted_total', type: 'counter' },
        }),
      ];
      expect(responses.map((response) => response.status)).toEqual([404, 404, 404, 404, 404]);
      const own = await h.request('GET', '/api/metric-configs', { token });
      expect(await own.json()).toEqual({ metricConfigs: [] });
      // And the owner's config is untouched.
      const fetched = await h.request('GET', `/api/metric-configs/${config.id}`, {
        token: owner.accessToken,
      });
      expect(await fetched.json()).toEqual(config);
    });

    it('requires an owner token', async () => {
      const response = await h.request('GET', '/api/metric-configs');
      expect(response.status).toBe(401);
    });

    it('rejects schema violations with a field-level list', async () => {
      const owner = await h.register();
      const details = await detailsOf(
        await create(owner, {
          name: '2fast',
          type: 'summary',
          labelNames: ['ok', 'bad-label', 'ok'],
          track: { clicks: ['', 'a\u0007b'], scrollDepth: [0], surprise: true },
          color: 'red',
        }),
      );
      const fields = details.map((detail) => detail.field);
      expect(fields).toEqual(
        expect.arrayContaining([
          'body.name',
          'body.type',
          'body.labelNames.1',
          'body.labelNames',
          'body.track.clicks.0',
          'body.track.clicks.1',
          'body.track.scrollDepth.0',
          'body.track.surprise',
          'body.color',
        ]),
      );
    });

    it('rejects cross-field violations with a field-level list', async () => {
      const owner = await h.register();
      expect(
        await detailsOf(await create(owner, { name: 'x_total', type: 'counter', buckets: [1] })),
      ).toEqual([
        { field: 'body.buckets', message: 'only histograms have buckets (this metric is a counter)' },
      ]);
      expect(
        await detailsOf(
          await create(owner, {
            name: 'latency_seconds',
            type: 'histogram',
            buckets: [1, 1],
            labelNames: ['le', '__x'],
          }),
        ),
      ).toEqual([
        { field: 'body.labelNames.0', message: 'le is reserved on histograms for bucket bounds' },
        { field: 'body.labelNames.1', message: 'label names starting with __ are reserved' },
        { field: 'body.buckets.1', message: 'must be greater than the previous value (1)' },
      ]);
      // JSON.parse reads 1e999 as Infinity, which the schema's "number" would let through.
      const response = await h.app.request('/api/metric-configs', {
        method: 'POST',
        headers: { authorization: `Bearer ${owner.accessToken}`, 'content-type': 'application/json' },
        body: `{"appId":"${owner.app.id}","name":"t_seconds","type":"histogram","buckets":[1,1e999]}`,
      });
      expect(await detailsOf(response)).toEqual([
        { field: 'body.buckets.1', message: 'must be a finite number' },
      ]);
      const list = await h.request('GET', '/api/metric-configs', { token: owner.accessToken });
      expect(await list.json()).toEqual({ metricConfigs: [] });
    });

    it('saves a counter without _total but says why it is unusual', async () => {
      const owner = await h.register();
      const config = await created(owner, { name: 'signups', type: 'counter' });
      expect(config.warnings).toEqual([
        { field: 'body.name', message: 'counter names should end in _total' },
      ]);
    });

    it('accepts its own appId on PUT but never moves a config to another app', async () => {
      const owner = await h.register();
      const config = await created(owner, { name: 'signups_total', type: 'counter' });
      const same = await h.request('PUT', `/api/metric-configs/${config.id}`, {
        token: owner.accessToken,
        body: { appId: owner.app.id, name: 'signups_total', type: 'counter', help: 'New accounts' },
      });
      expect(same.status).toBe(200);
      const appResponse = await h.request('POST', '/api/apps', {
        token: owner.accessToken,
        body: { name: 'Second' },
      });
      const second = await json<{ id: string }>(appResponse);
      const moved = await h.request('PUT', `/api/metric-configs/${config.id}`, {
        token: owner.accessToken,
        body: { appId: second.id, name: 'signups_total', type: 'counter' },
      });
      expect(await detailsOf(moved)).toEqual([
        { field: 'body.appId', message: "must be the config's own app: configs cannot move between apps" },
      ]);
      const fetched = await h.request('GET', `/api/metric-configs/${config.id}`, {
        token: owner.accessToken,
      });
      expect(await fetched.json()).toMatchObject({ appId: owner.app.id, help: 'New accounts' });
    });

    it("refuses to change a metric's type", async () => {
      const owner = await h.register();
      const config = await created(owner, { name: 'queue_depth', type: 'gauge' });
      const response = await h.request('PUT', `/api/metric-configs/${config.id}`, {
        token: owner.accessToken,
        body: { name: 'queue_depth', type: 'histogram' },
      });
      expect(response.status).toBe(409);
      expect((await json<ErrorBody>(response)).error.code).toBe('metric_type_immutable');
    });

    it('caps the number of configs per app', async () => {
      const owner = await h.register();
      await h.deps.postgres.query(
        `INSERT INTO metric_configs (app_id, name, type)
         SELECT $1, 'filler_' || n || '_total', 'counter' FROM generate_series(1, $2::int) AS n`,
        [owner.app.id, MAX_METRIC_CONFIGS_PER_APP],
      );
      const response = await create(owner, { name: 'one_more_total', type: 'counter' });
      expect(response.status).toBe(409);
      expect((await json<ErrorBody>(response)).error.code).toBe('metric_config_limit_reached');
    });

    it('lists enabled configs of one app in name order for the snippet and the edge', async () => {
      const owner = await h.register();
      const other = await h.register();
      await created(owner, { name: 'zeta_total', type: 'counter' });
      await created(owner, { name: 'Alpha_total', type: 'counter' });
      await created(owner, { name: 'beta', type: 'gauge', enabled: false });
      await created(owner, { name: 'alpha_seconds', type: 'histogram', buckets: [1, 2] });
      await created(other, { name: 'other_total', type: 'counter' });
      const enabled = await listEnabledMetricConfigs(h.deps.postgres, owner.app.id);
      // Byte order: upper case sorts before lower case, in every database collation.
      expect(enabled.map((config) => config.name)).toEqual(['Alpha_total', 'alpha_seconds', 'zeta_total']);
      expect(enabled[1]).toMatchObject({ type: 'histogram', buckets: [1, 2], appId: owner.app.id });
    });
  });
}
