import { Type } from '@sinclair/typebox';
import { badRequest, conflict } from '../../runtime/errors/index.ts';
import { clientIpOf } from '../../runtime/http/client-ip.ts';
import { ErrorResponse } from '../../runtime/http/openapi.ts';
import { defineRoute, type Route } from '../../runtime/http/routes.ts';
import { getOwnedApp } from '../apps/repository.ts';
import { recordAudit } from '../audit/index.ts';
import { ownerOf } from '../auth/middleware.ts';
import type { ControlPlaneDeps } from '../deps.ts';
import {
  countMetricConfigs,
  deleteMetricConfig,
  getOwnedMetricConfig,
  insertMetricConfig,
  listOwnedMetricConfigs,
  replaceMetricConfig,
} from './repository.ts';
import { checkMetricConfig, type MetricConfigDraft, type NormalizedMetricConfig } from './rules.ts';
import {
  MAX_METRIC_CONFIGS_PER_APP,
  MetricConfig,
  MetricConfigCreate,
  MetricConfigIdParams,
  MetricConfigListQuery,
  MetricConfigReplace,
} from './schemas.ts';

/** Cross-field rules after the schema: a normalized config, or the same 400 the schema gives. */
function validated(draft: MetricConfigDraft): NormalizedMetricConfig {
  const result = checkMetricConfig(draft);
  if (!result.ok) throw badRequest('validation_failed', 'Invalid body', result.errors);
  return result.value;
}

export function metricConfigRoutes(deps: ControlPlaneDeps): Route[] {
  const { postgres } = deps;
  const ip = clientIpOf(deps.config.trustProxy);

  const create = defineRoute(
    {
      method: 'post',
      path: '/api/metric-configs',
      summary: 'Define a metric for an app',
      tag: 'metric-configs',
      security: 'owner',
      body: MetricConfigCreate,
      responses: {
        201: { description: 'Created', schema: MetricConfig },
        400: ErrorResponse,
        404: ErrorResponse,
        409: ErrorResponse,
      },
    },
    async (c, { body }) => {
      const owner = ownerOf(c);
      const { appId, ...draft } = body;
      const value = validated(draft);
      const created = await postgres.transaction(async (tx) => {
        // Locked: concurrent creates for one app wait here, so the per-app limit holds.
        await getOwnedApp(tx, owner.userId, appId, true);
        if ((await countMetricConfigs(tx, appId)) >= MAX_METRIC_CONFIGS_PER_APP) {
          throw conflict(
            'metric_config_limit_reached',
            `An app can have at most ${MAX_METRIC_CONFIGS_PER_APP} metric configs`,
          );
        }
        const config = await insertMetricConfig(tx, appId, value);
        await recordAudit(tx, {
          actorId: owner.userId,
          action: 'metric_config.create',
          targetType: 'metric_config',
          targetId: config.id,
          appId,
          ip: ip(c),
          details: { name: config.name, type: config.type },
        });
        return config;
      });
      return c.json(created, 201);
    },
  );

  const list = defineRoute(
    {
      method: 'get',
      path: '/api/metric-configs',
      summary: "List the owner's metric configs in name order, optionally for one app",
      tag: 'metric-configs',
      security: 'owner',
      query: MetricConfigListQuery,
      responses: {
        200: {
          description: 'Metric configs',
          schema: Type.Object({ metricConfigs: Type.Array(MetricConfig) }),
        },
        404: ErrorResponse,
      },
    },
    async (c, { query }) => {
      const owner = ownerOf(c);
      if (query.appId) await getOwnedApp(postgres, owner.userId, query.appId);
      return c.json({ metricConfigs: await listOwnedMetricConfigs(postgres, owner.userId, query.appId) });
    },
  );

  const get = defineRoute(
    {
      method: 'get',
      path: '/api/metric-configs/:id',
      summary: 'Get one metric config',
      tag: 'metric-configs',
      security: 'owner',
      params: MetricConfigIdParams,
      responses: { 200: { description: 'Metric config', schema: MetricConfig }, 404: ErrorResponse },
    },
    async (c, { params }) => c.json(await getOwnedMetricConfig(postgres, ownerOf(c).userId, params.id)),
  );

  const replace = defineRoute(
    {
      method: 'put',
      path: '/api/metric-configs/:id',
      summary: 'Replace a metric config (omitted fields return to their defaults; the type cannot change)',
      tag: 'metric-configs',
      security: 'owner',
      params: MetricConfigIdParams,
      body: MetricConfigReplace,
      responses: {
        200: { description: 'Metric config', schema: MetricConfig },
        400: ErrorResponse,
        404: ErrorResponse,
        409: ErrorResponse,
      },
    },
    async (c, { params, body }) => {
      const owner = ownerOf(c);
      const { appId, ...draft } = body;
      const value = validated(draft);
      const updated = await postgres.transaction(async (tx) => {
        const current = await getOwnedMetricConfig(tx, owner.userId, params.id, true);
        // Checked after ownership, so another owner's config stays a plain 404.
        if (appId !== undefined && appId !== current.appId) {
          throw badRequest('validation_failed', 'Invalid body', [
            {
              field: 'body.appId',
              message: "must be the config's own app: configs cannot move between apps",
            },
          ]);
        }
        // Samples already stored under this name carry the old type; mixing counter and gauge
        // samples in one series would make every rollup of it wrong.
        if (current.type !== value.type) {
          throw conflict(
            'metric_type_immutable',
            `A metric's type cannot change (this one is a ${current.type}); create a new metric instead`,
          );
        }
        const config = await replaceMetricConfig(tx, current.id, value);
        await recordAudit(tx, {
          actorId: owner.userId,
          action: 'metric_config.update',
          targetType: 'metric_config',
          targetId: config.id,
          appId: config.appId,
          ip: ip(c),
          details: { name: config.name, fields: changedFields(current, value) },
        });
        return config;
      });
      return c.json(updated);
    },
  );

  const remove = defineRoute(
    {
      method: 'delete',
      path: '/api/metric-configs/:id',
      summary: 'Delete a metric config (samples already stored are kept)',
      tag: 'metric-configs',
      security: 'owner',
      params: MetricConfigIdParams,
      responses: { 204: { description: 'Deleted' }, 404: ErrorResponse },
    },
    async (c, { params }) => {
      const owner = ownerOf(c);
      await postgres.transaction(async (tx) => {
        const current = await getOwnedMetricConfig(tx, owner.userId, params.id, true);
        await deleteMetricConfig(tx, current.id);
        await recordAudit(tx, {
          actorId: owner.userId,
          action: 'metric_config.delete',
          targetType: 'metric_config',
          targetId: current.id,
          appId: current.appId,
          ip: ip(c),
          details: { name: current.name, type: current.type },
        });
      });
      return c.body(null, 204);
    },
  );

  return [create, list, get, replace, remove];
}

/** Which writable fields a replacement actually changed, for the audit trail. */
function changedFields(current: MetricConfig, next: NormalizedMetricConfig): string[] {
  const fields = ['name', 'help', 'labelNames', 'buckets', 'track', 'enabled'] as const;
  return fields.filter((field) => JSON.stringify(current[field]) !== JSON.stringify(next[field]));
}
