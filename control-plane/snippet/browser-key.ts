// Which browser key a snippet carries, and whether the server can put the real key in it.
//
// Design: the snippet embeds the real browser key. Browser keys are public by design (they sit
// in every page's HTML, are origin-restricted and ingest-only), so showing one again exposes
// nothing a visitor to the owner's site cannot already read; a snippet that needs hand editing,
// or a key regeneration that breaks every deployed page after the grace period, just because the
// owner did not save a public value, is what analytics products avoid. Postgres still never
// holds a raw key: next to the HMAC it keeps a copy sealed with a key derived from
// API_KEY_SECRET (browser-key-vault.ts), so a database dump alone reveals nothing. Server keys
// are never sealed and can never be embedded.
//
// Keys without a sealed copy (issued before the copy was kept, or whose copy no longer opens)
// get a clearly marked placeholder, and the JSON form says `embedded: false`, so the UI can ask
// the owner to paste the key or regenerate it.
import { badRequest, conflict, notFound } from '../../runtime/errors/index.ts';
import type { Queryable } from '../../runtime/postgres/index.ts';
import { openBrowserKey } from '../keys/browser-key-vault.ts';
import { listOwnedKeys, toApiKey } from '../keys/repository.ts';

export interface SnippetKey {
  id: string;
  /** Masked form, e.g. cs_pk_AbCd…wxyz. */
  display: string;
  /** The raw key when the server holds a sealed copy of it, else null. */
  raw: string | null;
}

/**
 * The app's browser key for a snippet: `keyId` if given (it must be an active browser key of
 * this app), else the newest active browser key. The app must already be known to be the owner's.
 */
export async function resolveSnippetKey(
  db: Queryable,
  input: { secret: string; ownerId: string; appId: string; keyId: string | undefined; now: number },
): Promise<SnippetKey> {
  const keys = (await listOwnedKeys(db, input.ownerId, input.appId)).map((row) => ({
    row,
    key: toApiKey(row, input.now),
  }));
  let chosen: (typeof keys)[number] | undefined;
  if (input.keyId !== undefined) {
    chosen = keys.find(({ key }) => key.id === input.keyId);
    if (!chosen) throw notFound('key_not_found', 'API key not found');
    if (chosen.key.kind !== 'browser') {
      throw badRequest('validation_failed', 'Invalid query', [
        {
          field: 'query.keyId',
          message: 'must be a browser key: server keys are secret and never go into a page',
        },
      ]);
    }
    if (chosen.key.status !== 'active') {
      throw conflict(
        'key_not_active',
        `Only an active key can go into a snippet (this one is ${chosen.key.status})`,
      );
    }
  } else {
    // listOwnedKeys orders by creation: the last active browser key is the newest.
    chosen = keys.filter(({ key }) => key.kind === 'browser' && key.status === 'active').at(-1);
    if (!chosen)
      throw conflict('no_active_browser_key', 'This app has no active browser key; create one first');
  }
  return {
    id: chosen.key.id,
    display: chosen.key.display,
    raw: openBrowserKey(input.secret, await sealedCopy(db, chosen.key.id), chosen.row.key_hmac),
  };
}

/** The key's sealed copy (null for keys issued before copies were kept). */
async function sealedCopy(db: Queryable, keyId: string): Promise<string | null> {
  const { rows } = await db.query<{ key_sealed: string | null }>(
    `SELECT key_sealed FROM api_keys WHERE id = $1 AND kind = 'browser'`,
    [keyId],
  );
  return rows[0]?.key_sealed ?? null;
}
