// Tracks "we are inside fn of transaction()" per async context, so a call to the outer Postgres
// from inside a transaction fails with a clear error instead of deadlocking (embedded mode has a
// single connection) or silently running outside the transaction (server mode).
import { AsyncLocalStorage } from 'node:async_hooks';
import { PostgresError } from './types.ts';

interface Scope {
  owner: object;
  open: boolean;
}

const scopes = new AsyncLocalStorage<Scope>();
// While an AsyncLocalStorage is enabled, Node 20 runs an async hook on every promise the process
// creates (about 4% of the ingest edge's CPU on single events). So it is enabled only while a
// transaction runs, and disabled again once none does.
let openScopes = 0;

/** Run fn marked as inside a transaction of `owner`; the mark ends when fn settles. */
export async function runInTransactionScope<T>(owner: object, fn: () => Promise<T>): Promise<T> {
  const scope: Scope = { owner, open: true };
  openScopes += 1;
  try {
    return await scopes.run(scope, fn);
  } finally {
    // Work that fn started but did not await keeps this context; closing the scope lets it use
    // the outer client again once the transaction is over.
    scope.open = false;
    openScopes -= 1;
    if (openScopes === 0) scopes.disable();
  }
}

export function assertOutsideTransaction(owner: object): void {
  const scope = scopes.getStore();
  if (scope?.open && scope.owner === owner) {
    throw new PostgresError(
      'Called the outer Postgres from inside transaction(): use the tx argument instead',
      undefined,
      undefined,
    );
  }
}
