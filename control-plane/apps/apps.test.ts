import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateKey } from '../keys/authenticate.ts';
import { createHarness, type Harness } from '../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness('embedded');
});
afterAll(() => h.close());

const json = async <T>(response: Response) => (await response.json()) as T;

describe('apps', () => {
  it('creates, lists, reads, updates and deletes', async () => {
    const owner = await h.register();
    const created = await h.request('POST', '/api/apps', {
      token: owner.accessToken,
      body: {
        name: 'Shop',
        allowedOrigins: ['https://shop.example.com'],
        retentionDays: 90,
        timeZone: 'Europe/Paris',
      },
    });
    expect(created.status).toBe(201);
    const app = await json<{
      id: string;
      name: string;
      retentionDays: number;
      timeZone: string;
      respectDnt: boolean;
    }>(created);
    expect(app).toMatchObject({
      name: 'Shop',
      retentionDays: 90,
      timeZone: 'Europe/Paris',
      respectDnt: false,
    });

    const list = await json<{ apps: { id: string }[] }>(
      await h.request('GET', '/api/apps', { token: owner.accessToken }),
    );
    expect(list.apps.map((a) => a.id)).toEqual([owner.app.id, app.id]);

    const updated = await h.request('PATCH', `/api/apps/${app.id}`, {
      token: owner.accessToken,
      body: { name: 'Shop EU', respectDnt: true },
    });
    expect(updated.status).toBe(200);
    expect(await json(updated)).toMatchObject({ name: 'Shop EU', respectDnt: true, retentionDays: 90 });
    expect(
      await json(await h.request('GET', `/api/apps/${app.id}`, { token: owner.accessToken })),
    ).toMatchObject({
      name: 'Shop EU',
    });

    const deleted = await h.request('DELETE', `/api/apps/${app.id}`, { token: owner.accessToken });
    expect(deleted.status).toBe(204);
    expect((await h.request('GET', `/api/apps/${app.id}`, { token: owner.accessToken })).status).toBe(404);
  });

  it.each([
    [{ name: '' }, 'body.name'],
    [{ name: 'x', allowedOrigins: ['https://ok.example.com/path'] }, 'body.allowedOrigins.0'],
    [{ name: 'x', allowedOrigins: ['javascript:alert(1)'] }, 'body.allowedOrigins.0'],
    [{ name: 'x', retentionDays: 0 }, 'body.retentionDays'],
    [{ name: 'x', timeZone: 'Mars/Olympus' }, 'body.timeZone'],
    [{ name: 'x', owner_id: 'someone' }, 'body.owner_id'],
  ])('rejects %j naming %s', async (body, field) => {
    const owner = await h.register();
    const response = await h.request('POST', '/api/apps', { token: owner.accessToken, body });
    expect(response.status).toBe(400);
    const error = await json<{ error: { code: string; details: { field: string }[] } }>(response);
    expect(error.error.code).toBe('validation_failed');
    expect(error.error.details.map((d) => d.field)).toContain(field);
  });

  it('deleting an app kills its keys everywhere', async () => {
    const owner = await h.register();
    const deps = { ...h.deps, apiKeySecret: h.deps.config.apiKeySecret };
    expect((await authenticateKey(deps, owner.keys.server.key, { scope: 'ingest' })).ok).toBe(true);
    expect(
      (await h.request('DELETE', `/api/apps/${owner.app.id}`, { token: owner.accessToken })).status,
    ).toBe(204);
    expect(await authenticateKey(deps, owner.keys.server.key, { scope: 'ingest' })).toEqual({
      ok: false,
      code: 'key_unknown',
    });
  });
});
