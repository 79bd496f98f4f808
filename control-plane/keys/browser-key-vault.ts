// The server's sealed copy of a browser key, so a snippet can carry the real key at any time.
// AES-256-GCM under a key derived (HKDF) from API_KEY_SECRET; the key's HMAC is the associated
// data, and opening re-checks that the plaintext is a browser key with exactly that HMAC, so a
// copy moved to another row, or a server key sealed by mistake, can never come out of here.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { hmacKey, parseKey } from './key-format.ts';

const FORMAT_VERSION = 'v1';
// Domain separation: this derived key is used for nothing else than sealing browser keys.
const HKDF_INFO = 'clickstream/browser-key-vault/v1';
const AES_KEY_BYTES = 32; // AES-256
const IV_BYTES = 12; // the GCM standard nonce size; random per seal
const TAG_BYTES = 16; // full-length GCM tag

function vaultKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), HKDF_INFO, AES_KEY_BYTES));
}

/** Seal a browser key for storage beside its HMAC. Server keys are secret: refusing them is a bug check. */
export function sealBrowserKey(secret: string, key: string): string {
  const parsed = parseKey(key);
  if (!parsed.ok || parsed.value.kind !== 'browser') throw new Error('only browser keys may be sealed');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', vaultKey(secret), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(hmacKey(secret, key)));
  const ciphertext = Buffer.concat([cipher.update(key, 'utf8'), cipher.final()]);
  return [FORMAT_VERSION, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** The browser key sealed for `keyHmac`, or null if the copy is missing, foreign or damaged. */
export function openBrowserKey(
  secret: string,
  sealed: string | null | undefined,
  keyHmac: string,
): string | null {
  if (!sealed) return null;
  const [version, iv, ciphertext, tag, ...rest] = sealed.split('.');
  if (version !== FORMAT_VERSION || !iv || !ciphertext || !tag || rest.length > 0) return null;
  let key: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', vaultKey(secret), Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(keyHmac));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    key = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    // Authentication failed: another row's copy, a rotated API_KEY_SECRET, or tampering.
    return null;
  }
  const parsed = parseKey(key);
  if (!parsed.ok || parsed.value.kind !== 'browser' || hmacKey(secret, key) !== keyHmac) return null;
  return key;
}
