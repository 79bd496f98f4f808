// Password hashing with node:crypto scrypt at OWASP's parameters (N=2^17, r=8, p=1), stored
// with its parameters so they can be raised later without breaking old hashes. Compared in
// constant time. Runs on libuv's thread pool, never on the event loop.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const N = 2 ** 17;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
// scrypt needs 128 * N * r bytes (128 MiB here); Node's default ceiling is 32 MiB.
const MAX_MEMORY = 256 * 1024 * 1024;

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256; // bounds hashing cost; no human needs more

function derive(
  password: string,
  salt: Buffer,
  n: number,
  r: number,
  p: number,
  length: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, length, { N: n, r, p, maxmem: MAX_MEMORY }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, N, R, P, KEY_LENGTH);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(
    password,
    Buffer.from(salt, 'base64'),
    Number(n),
    Number(r),
    Number(p),
    expected.length,
  );
  return timingSafeEqual(actual, expected);
}

/** A hash of a random password: login for an unknown email costs the same time as a real one. */
export const DUMMY_HASH_PROMISE = (): Promise<string> => hashPassword(randomBytes(16).toString('hex'));

export type PasswordProblem = 'password_too_short' | 'password_too_long' | 'password_too_weak';

/** Length rules plus a refusal of the most obvious weak choices. */
export function passwordProblem(password: string, email: string): PasswordProblem | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return 'password_too_short';
  if (password.length > MAX_PASSWORD_LENGTH) return 'password_too_long';
  const lower = password.toLowerCase();
  const local = email.toLowerCase().split('@')[0] ?? '';
  if (new Set(lower).size < 4) return 'password_too_weak';
  if (local.length >= 4 && lower.includes(local)) return 'password_too_weak';
  if (/^(password|qwerty|letmein|welcome|123456|abcdef)/.test(lower)) return 'password_too_weak';
  return undefined;
}
