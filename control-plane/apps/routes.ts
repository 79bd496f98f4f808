import { Type } from '@sinclair/typebox';
import { clientIpOf } from '../../runtime/http/client-ip.ts';
import { ErrorResponse } from '../../runtime/http/openapi.ts';
import { defineRoute, type Route } from '../../runtime/http/routes.ts';
import { recordAudit } from '../audit/index.ts';
import { ownerOf } from '../auth/middleware.ts';
import type { ControlPlaneDeps } from '../deps.ts';
import { publishKeys } from '../keys/publication.ts';
import { keyHmacsOfApp } from '../keys/repository.ts';
import { deleteApp, getOwnedApp, insertApp, listApps, updateApp } from './repository.ts';
import { App, AppCreate, AppIdParams, AppUpdate } from './schemas.ts';

export function appRoutes(deps: ControlPlaneDeps): Route[] {
  const { postgres } = deps;
  const ip = clientIpOf(deps.config.trustProxy);

  return [
    defineRoute(
      {
        method: 'post',
        path: '/api/apps',
        summary: 'Create an app',
        tag: 'apps',
        security: 'owner',
        body: AppCreate,
        responses: { 201: { description: 'Created', schema: App }, 400: ErrorResponse },
      },
      async (c, { body }) => {
        const owner = ownerOf(c);
        const app = await postgres.transaction(async (tx) => {
          const created = await insertApp(tx, owner.userId, body);
          await recordAudit(tx, {
            actorId: owner.userId,
            action: 'app.create',
            targetType: 'app',
            targetId: created.id,
            appId: created.id,
            ip: ip(c),
          });
          return created;
        });
        return c.json(app, 201);
      },
    ),
    defineRoute(
      {
        method: 'get',
        path: '/api/apps',
        summary: "List the owner's apps",
        tag: 'apps',
        security: 'owner',
        responses: { 200: { description: 'Apps', schema: Type.Object({ apps: Type.Array(App) }) } },
      },
      async (c) => c.json({ apps: await listApps(postgres, ownerOf(c).userId) }),
    ),
    defineRoute(
      {
        method: 'get',
        path: '/api/apps/:appId',
        summary: 'Get an app',
        tag: 'apps',
        security: 'owner',
        params: AppIdParams,
        responses: { 200: { description: 'App', schema: App }, 404: ErrorResponse },
      },
      async (c, { params }) => c.json(await getOwnedApp(postgres, ownerOf(c).userId, params.appId)),
    ),
    defineRoute(
      {
        method: 'patch',
        path: '/api/apps/:appId',
        summary: 'Update an app (name, allowed origins, retention, time zone, Do Not Track)',
        tag: 'apps',
        security: 'owner',
        params: AppIdParams,
        body: AppUpdate,
        responses: { 200: { description: 'App', schema: App }, 400: ErrorResponse, 404: ErrorResponse },
      },
      async (c, { params, body }) => {
        const owner = ownerOf(c);
        const app = await postgres.transaction(async (tx) => {
          const updated = await updateApp(tx, owner.userId, params.appId, body);
          await recordAudit(tx, {
            actorId: owner.userId,
            action: 'app.update',
            targetType: 'app',
            targetId: updated.id,
            appId: updated.id,
            ip: ip(c),
            details: { fields: Object.keys(body) },
          });
          return updated;
        });
        // Origins, retention and time zone travel with every key record: republish them all.
        await publishKeys(deps, await keyHmacsOfApp(postgres, app.id));
        return c.json(app);
      },
    ),
    defineRoute(
      {
        method: 'delete',
        path: '/api/apps/:appId',
        summary: 'Delete an app and revoke its keys',
        tag: 'apps',
        security: 'owner',
        params: AppIdParams,
        responses: { 204: { description: 'Deleted' }, 404: ErrorResponse },
      },
      async (c, { params }) => {
        const owner = ownerOf(c);
        const hmacs = await postgres.transaction(async (tx) => {
          const removed = await deleteApp(tx, owner.userId, params.appId);
          await recordAudit(tx, {
            actorId: owner.userId,
            action: 'app.delete',
            targetType: 'app',
            targetId: params.appId,
            appId: null,
            ip: ip(c),
          });
          return removed;
        });
        await publishKeys(deps, hmacs);
        return c.body(null, 204);
      },
    ),
  ];
}
