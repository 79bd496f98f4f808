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

/** Run fn marked as inside a transaction of `owner`; the mark ends when fn settles. */
export async function runInTransactionScope<T>(owner: object, fn: () => Promise<T>): Promise<T> {
  const scope: Scope = { owner, open: true };
  try {
    return await scopes.run(scope, fn);
  } finally {
    // Work that fn started but did not await keeps this context; closing the scope lets it use
    // the outer client again once the transaction is over.
    scope.open = false;
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
