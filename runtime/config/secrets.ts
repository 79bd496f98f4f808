import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from './load-config.ts';
import type { Config } from './types.ts';

interface StoredSecrets {
  apiKeySecret: string;
  jwtSecret: string;
}

export const SECRETS_FILE = 'secrets.json';

/**
 * Fill API_KEY_SECRET and JWT_SECRET. Set in the environment: used as given. Unset while every
 * store is embedded: generated once and kept (mode 0600) in the data directory, so keys and
 * sessions survive restarts. Unset while any store is a server: refuse to start, because a
 * generated secret would differ between services and there is no safe production default.
 */
export async function ensureSecrets(config: Readonly<Config>): Promise<Readonly<Config>> {
  if (config.apiKeySecret && config.jwtSecret) return config;
  const serverMode = Boolean(config.clickhouse.url || config.databaseUrl || config.redisUrl);
  if (serverMode) {
    const missing = config.apiKeySecret ? 'JWT_SECRET' : 'API_KEY_SECRET';
    throw new ConfigError(
      missing,
      'set (at least 32 random characters) when any service URL is set',
      undefined,
    );
  }
  const file = path.join(config.dataDir, SECRETS_FILE);
  let stored: StoredSecrets;
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as StoredSecrets;
  } catch {
    stored = {
      apiKeySecret: randomBytes(32).toString('base64url'),
      jwtSecret: randomBytes(32).toString('base64url'),
    };
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(file, JSON.stringify(stored), { mode: 0o600, flag: 'wx' }).catch(async (error) => {
      // Another process won the race: use what it wrote.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      stored = JSON.parse(await readFile(file, 'utf8')) as StoredSecrets;
    });
  }
  return Object.freeze({
    ...config,
    apiKeySecret: config.apiKeySecret ?? stored.apiKeySecret,
    jwtSecret: config.jwtSecret ?? stored.jwtSecret,
  });
}
