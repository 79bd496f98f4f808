import { Type } from '@sinclair/typebox';
import { badRequest, conflict } from '../../runtime/errors/index.ts';
import { clientIpOf } from '../../runtime/http/client-ip.ts';
import { ErrorResponse } from '../../runtime/http/openapi.ts';
import { defineRoute, type Route } from '../../runtime/http/routes.ts';
import { getOwnedApp } from '../apps/repository.ts';
import { recordAudit } from '../audit/index.ts';
import { ownerOf } from '../auth/middleware.ts';
import type { ControlPlaneDeps } from '../deps.ts';
import { publishKeys } from './publication.ts';
import {
  getOwnedKey,
  issueKey,
  listOwnedKeys,
  markRevoked,
  retireForRotation,
  toApiKey,
} from './repository.ts';
import { ApiKey, IssuedKey, KeyCreate, KeyIdParams, KeyListQuery, KeyRegenerate } from './schemas.ts';
import { drainKeyUsage } from './usage.ts';

export function keyRoutes(deps: ControlPlaneDeps): Route[] {
  const { postgres, config } = deps;
  const ip = clientIpOf(config.trustProxy);

  const create = defineRoute(
    {
      method: 'post',
      path: '/api/keys',
      summary: 'Create an API key (the full key is in this response only)',
      tag: 'keys',
      security: 'owner',
      body: KeyCreate,
      responses: {
        201: { description: 'Created', schema: IssuedKey },
        400: ErrorResponse,
        404: ErrorResponse,
      },
    },
    async (c, { body }) => {
      const owner = ownerOf(c);
      const now = deps.now();
      const expiresAt = body.expiresAt === undefined ? null : Date.parse(body.expiresAt);
      if (expiresAt !== null && expiresAt <= now) {
        throw badRequest('validation_failed', 'Invalid body', [
          { field: 'body.expiresAt', message: 'must be in the future' },
        ]);
      }
      const { issued, row } = await postgres.transaction(async (tx) => {
        await getOwnedApp(tx, owner.userId, body.appId);
        const result = await issueKey(
          tx,
          config.apiKeySecret,
          { ...body, expiresAt, createdBy: owner.userId },
          now,
        );
        await recordAudit(tx, {
          actorId: owner.userId,
          action: 'api_key.create',
          targetType: 'api_key',
          targetId: result.issued.id,
          appId: body.appId,
          ip: ip(c),
          details: { kind: body.kind, scopes: result.issued.scopes },
        });
        return result;
      });
      await publishKeys(deps, [row.key_hmac]);
      return c.json(issued, 201);
    },
  );

  const list = defineRoute(
    {
      method: 'get',
      path: '/api/keys',
      summary: "List the owner's API keys (masked), optionally for one app",
      tag: 'keys',
      security: 'owner',
      query: KeyListQuery,
      responses: { 200: { description: 'Keys', schema: Type.Object({ keys: Type.Array(ApiKey) }) } },
    },
    async (c, { query }) => {
      const owner = ownerOf(c);
      if (query.appId) await getOwnedApp(postgres, owner.userId, query.appId);
      await drainKeyUsage(deps).catch((error: unknown) =>
        deps.logger.warn({ err: error }, 'usage drain failed'),
      );
      const rows = await listOwnedKeys(postgres, owner.userId, query.appId);
      const now = deps.now();
      return c.json({ keys: rows.map((row) => toApiKey(row, now)) });
    },
  );

  const get = defineRoute(
    {
      method: 'get',
      path: '/api/keys/:keyId',
      summary: 'Get one API key (masked) with its usage',
      tag: 'keys',
      security: 'owner',
      params: KeyIdParams,
      responses: { 200: { description: 'Key', schema: ApiKey }, 404: ErrorResponse },
    },
    async (c, { params }) => {
      const owner = ownerOf(c);
      await drainKeyUsage(deps).catch((error: unknown) =>
        deps.logger.warn({ err: error }, 'usage drain failed'),
      );
      return c.json(toApiKey(await getOwnedKey(postgres, owner.userId, params.keyId), deps.now()));
    },
  );

  const regenerate = defineRoute(
    {
      method: 'post',
      path: '/api/keys/:keyId/regenerate',
      summary: 'Issue a replacement key; the old one stays valid for a grace period',
      tag: 'keys',
      security: 'owner',
      params: KeyIdParams,
      body: KeyRegenerate,
      responses: {
        201: {
          description: 'The new key (shown once) and the old key with its grace expiry',
          schema: Type.Object({ key: IssuedKey, previous: ApiKey }),
        },
        404: ErrorResponse,
        409: ErrorResponse,
      },
    },
    async (c, { params, body }) => {
      const owner = ownerOf(c);
      const now = deps.now();
      const graceSeconds = body.graceSeconds ?? config.keys.graceSeconds;
      const result = await postgres.transaction(async (tx) => {
        const old = await getOwnedKey(tx, owner.userId, params.keyId, true);
        const oldState = toApiKey(old, now).status;
        if (oldState === 'revoked' || oldState === 'expired' || old.replaced_by !== null) {
          throw conflict('key_not_active', `Only an active key can be regenerated (this one is ${oldState})`);
        }
        const oldExpiry = old.expires_at === null ? null : new Date(old.expires_at).getTime();
        const fresh = await issueKey(
          tx,
          config.apiKeySecret,
          {
            appId: old.app_id,
            kind: old.kind,
            name: old.name,
            scopes: old.scopes,
            expiresAt: oldExpiry,
            createdBy: owner.userId,
          },
          now,
        );
        await retireForRotation(tx, old, fresh.issued.id, graceSeconds, now);
        await recordAudit(tx, {
          actorId: owner.userId,
          action: 'api_key.regenerate',
          targetType: 'api_key',
          targetId: old.id,
          appId: old.app_id,
          ip: ip(c),
          details: { replacedBy: fresh.issued.id, graceSeconds },
        });
        return {
          fresh,
          oldHmac: old.key_hmac,
          previous: toApiKey(await getOwnedKey(tx, owner.userId, old.id), now),
        };
      });
      await publishKeys(deps, [result.fresh.row.key_hmac, result.oldHmac]);
      return c.json({ key: result.fresh.issued, previous: result.previous }, 201);
    },
  );

  const revoke = defineRoute(
    {
      method: 'delete',
      path: '/api/keys/:keyId',
      summary: 'Revoke an API key immediately',
      tag: 'keys',
      security: 'owner',
      params: KeyIdParams,
      responses: { 200: { description: 'The revoked key', schema: ApiKey }, 404: ErrorResponse },
    },
    async (c, { params }) => {
      const owner = ownerOf(c);
      const now = deps.now();
      const { row } = await postgres.transaction(async (tx) => {
        const key = await getOwnedKey(tx, owner.userId, params.keyId, true);
        await markRevoked(tx, key.id, now);
        await recordAudit(tx, {
          actorId: owner.userId,
          action: 'api_key.revoke',
          targetType: 'api_key',
          targetId: key.id,
          appId: key.app_id,
          ip: ip(c),
        });
        return { row: await getOwnedKey(tx, owner.userId, key.id) };
      });
      await publishKeys(deps, [row.key_hmac]);
      return c.json(toApiKey(row, now));
    },
  );

  return [create, list, get, regenerate, revoke];
}
