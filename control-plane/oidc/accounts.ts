// Who a verified identity is. In order: the owner already linked to this (issuer, sub); else
// the owner with the same email, but only when the provider vouches for the email and that
// owner signs in through providers only; else a new owner (no password) with a first app and
// keys. An unverified email never links and never creates an account: that would let anyone who
// controls a provider account claim an address, then inherit a real owner's later sign-in with
// it. A password owner is never linked by email either: sign-up does not prove the address, so
// someone could register a victim's address with a password first and later share whatever the
// victim builds after signing in with their provider. That owner signs in with the password.
import { PostgresError, type Queryable, SqlState } from '../../runtime/postgres/index.ts';
import { recordAudit } from '../audit/index.ts';
import { createFirstApp } from '../auth/first-run.ts';
import { findUserByEmail, insertUser } from '../auth/users.ts';
import type { ControlPlaneDeps } from '../deps.ts';
import { publishKeys } from '../keys/publication.ts';
import { emailHasPassword, emailNotVerified } from './errors.ts';
import type { VerifiedIdentity } from './id-token.ts';

export type SignInOutcome = 'existing' | 'linked' | 'created';

export interface ResolvedOwner {
  userId: string;
  outcome: SignInOutcome;
}

// A concurrent first sign-in with the same identity or email loses on a unique constraint; on
// the second pass it finds what the winner wrote. One retry is enough for that race.
const UNIQUE_RACE_ATTEMPTS = 2;

export async function resolveOwner(
  deps: ControlPlaneDeps,
  identity: VerifiedIdentity,
  ip: string,
): Promise<ResolvedOwner> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await deps.postgres.transaction((tx) => resolveIn(tx, deps, identity, ip));
      if (result.keyHmacs.length > 0) await publishKeys(deps, result.keyHmacs);
      return { userId: result.userId, outcome: result.outcome };
    } catch (error) {
      const race = error instanceof PostgresError && error.code === SqlState.uniqueViolation;
      if (!race || attempt >= UNIQUE_RACE_ATTEMPTS) throw error;
    }
  }
}

async function resolveIn(
  tx: Queryable,
  deps: ControlPlaneDeps,
  identity: VerifiedIdentity,
  ip: string,
): Promise<ResolvedOwner & { keyHmacs: string[] }> {
  const { rows } = await tx.query<{ id: string; user_id: string }>(
    'SELECT id, user_id FROM identities WHERE provider = $1 AND subject = $2',
    [identity.issuer, identity.subject],
  );
  const known = rows[0];
  if (known) {
    // Keep what the provider last said; it is informational, the link itself is by subject.
    await tx.query('UPDATE identities SET email = $2, email_verified = $3 WHERE id = $1', [
      known.id,
      identity.email ?? null,
      identity.emailVerified,
    ]);
    return { userId: known.user_id, outcome: 'existing', keyHmacs: [] };
  }

  if (!identity.email || !identity.emailVerified) throw emailNotVerified();

  const existing = await findUserByEmail(tx, identity.email);
  if (existing) {
    if (existing.password_hash !== null) throw emailHasPassword();
    await insertIdentity(tx, existing.id, identity);
    await recordAudit(tx, {
      actorId: existing.id,
      action: 'user.identity_link',
      targetType: 'user',
      targetId: existing.id,
      appId: null,
      ip,
      details: { issuer: identity.issuer },
    });
    return { userId: existing.id, outcome: 'linked', keyHmacs: [] };
  }

  const user = await insertUser(tx, {
    email: identity.email,
    name: identity.name ?? identity.email.split('@')[0] ?? '',
    passwordHash: null,
  });
  await insertIdentity(tx, user.id, identity);
  const firstRun = await createFirstApp(tx, {
    userId: user.id,
    ip,
    apiKeySecret: deps.config.apiKeySecret,
    now: deps.now(),
  });
  await recordAudit(tx, {
    actorId: user.id,
    action: 'user.create',
    targetType: 'user',
    targetId: user.id,
    appId: null,
    ip,
    details: { method: 'oidc', issuer: identity.issuer },
  });
  return { userId: user.id, outcome: 'created', keyHmacs: firstRun.keyHmacs };
}

async function insertIdentity(tx: Queryable, userId: string, identity: VerifiedIdentity): Promise<void> {
  await tx.query(
    `INSERT INTO identities (user_id, provider, subject, email, email_verified)
     VALUES ($1, $2, $3, $4, $5)`,
    [userId, identity.issuer, identity.subject, identity.email ?? null, identity.emailVerified],
  );
}
