import { isoTimestamp, type Queryable } from '../../runtime/postgres/index.ts';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  created_at: Date | string;
}

export const toUser = (row: UserRow) => ({
  id: row.id,
  email: row.email,
  name: row.name,
  createdAt: isoTimestamp(row.created_at),
});

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    'SELECT id, email, name, password_hash, created_at FROM users WHERE lower(email) = lower($1)',
    [email],
  );
  return rows[0];
}

export async function findUserById(db: Queryable, id: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    'SELECT id, email, name, password_hash, created_at FROM users WHERE id = $1',
    [id],
  );
  return rows[0];
}

export async function insertUser(
  db: Queryable,
  input: { email: string; name: string; passwordHash: string | null },
): Promise<UserRow> {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3)
     RETURNING id, email, name, password_hash, created_at`,
    [input.email, input.name, input.passwordHash],
  );
  return rows[0] as UserRow;
}
