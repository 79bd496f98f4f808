// A new owner can send events the minute they sign up: the first app and one key of each kind
// are created with the account, in the same transaction.
import type { Queryable } from '../../runtime/postgres/index.ts';
import { insertApp } from '../apps/repository.ts';
import type { App } from '../apps/schemas.ts';
import { recordAudit } from '../audit/index.ts';
import { issueKey } from '../keys/repository.ts';
import type { IssuedKey } from '../keys/schemas.ts';

export interface FirstRun {
  app: App;
  keys: { browser: IssuedKey; server: IssuedKey };
  keyHmacs: string[];
}

export async function createFirstApp(
  tx: Queryable,
  input: { userId: string; ip: string; apiKeySecret: string; now: number },
): Promise<FirstRun> {
  const app = await insertApp(tx, input.userId, { name: 'My first app' });
  const browser = await issueKey(
    tx,
    input.apiKeySecret,
    { appId: app.id, kind: 'browser', createdBy: input.userId },
    input.now,
  );
  const server = await issueKey(
    tx,
    input.apiKeySecret,
    { appId: app.id, kind: 'server', createdBy: input.userId },
    input.now,
  );
  for (const key of [browser.issued, server.issued]) {
    await recordAudit(tx, {
      actorId: input.userId,
      action: 'api_key.create',
      targetType: 'api_key',
      targetId: key.id,
      appId: app.id,
      ip: input.ip,
      details: { kind: key.kind, firstRun: true },
    });
  }
  return {
    app,
    keys: { browser: browser.issued, server: server.issued },
    keyHmacs: [browser.row.key_hmac, server.row.key_hmac],
  };
}
