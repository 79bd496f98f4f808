import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ensureSecrets, loadConfig } from './index.ts';

describe('loadConfig', () => {
  it('selects embedded engines and documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.ingestPort).toBe(8080);
    expect(config.clickhouse).toEqual({ url: undefined, database: 'analytics' });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.spool.dir).toBe(path.resolve('./data/spool'));
    expect(config.ingest.maxBodyBytes).toBe(1024 * 1024);
    expect(config.ingest.maxBatchEvents).toBe(1000);
    expect(config.ingest.parseThreads).toBe(0);
    expect(config.keys.graceSeconds).toBe(86_400);
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.spool)).toBe(true);
    expect(Object.isFrozen(config.corsOrigins)).toBe(true);
  });

  it('reads service URLs and takes the ClickHouse database from the URL path', () => {
    const config = loadConfig({
      CLICKHOUSE_URL: 'http://default:pw@ch:8123/events_db',
      DATABASE_URL: 'postgres://u@pg/db',
      REDIS_URL: 'redis://r:6379',
    });
    expect(config.clickhouse.database).toBe('events_db');
    expect(config.databaseUrl).toBe('postgres://u@pg/db');
    expect(config.redisUrl).toBe('redis://r:6379');
  });

  it.each([
    ['PORT', 'abc', /PORT must be an integer between 1 and 65535 \(got "abc"\)/],
    ['PORT', '70000', /PORT must be an integer between 1 and 65535/],
    ['INGEST_PORT', '8o80', /INGEST_PORT must be an integer/],
    ['INGEST_PARSE_THREADS', '-1', /INGEST_PARSE_THREADS must be an integer between 0 and 64/],
    [
      'RATE_LIMIT_KEY_PER_SECOND',
      '2000000',
      /RATE_LIMIT_KEY_PER_SECOND must be an integer between 1 and 1000000/,
    ],
    ['CLICKHOUSE_URL', 'not a url', /CLICKHOUSE_URL must be a URL starting with http:\/\/ or https:\/\//],
    ['CLICKHOUSE_URL', 'tcp://ch:9000', /CLICKHOUSE_URL must be a URL/],
    ['DATABASE_URL', 'mysql://x@y/z', /DATABASE_URL must be a URL starting with postgres:\/\//],
    ['REDIS_URL', 'http://r', /REDIS_URL must be a URL starting with redis:\/\//],
    ['API_KEY_SECRET', 'short', /API_KEY_SECRET must be at least 32 characters/],
    ['TRUST_PROXY', 'maybe', /TRUST_PROXY must be a boolean/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['CLICKHOUSE_DATABASE', 'drop table', /CLICKHOUSE_DATABASE must be an identifier/],
  ])('rejects %s=%j naming the variable', (name, value, message) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
    expect((error as ConfigError).message).toMatch(message);
  });

  it('never echoes a password from a bad URL', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://admin:hunter2@db/x' })).toThrow(/admin:\*\*\*@/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://admin:hunter2@db/x' })).not.toThrow(/hunter2/);
  });
});

describe('ensureSecrets', () => {
  it('generates secrets once in embedded mode and reuses them on the next start', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'clickstream-secrets-'));
    const first = await ensureSecrets(loadConfig({ DATA_DIR: dataDir }));
    const second = await ensureSecrets(loadConfig({ DATA_DIR: dataDir }));
    expect(first.apiKeySecret).toHaveLength(43);
    expect(first.jwtSecret).not.toBe(first.apiKeySecret);
    expect(second.apiKeySecret).toBe(first.apiKeySecret);
    expect(second.jwtSecret).toBe(first.jwtSecret);
    const file = path.join(dataDir, 'secrets.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8')).apiKeySecret).toBe(first.apiKeySecret);
  });

  it('uses secrets from the environment as given', async () => {
    const secret = 'x'.repeat(40);
    const config = await ensureSecrets(loadConfig({ API_KEY_SECRET: secret, JWT_SECRET: secret }));
    expect(config.apiKeySecret).toBe(secret);
  });

  it('refuses to invent secrets when a service URL is set', async () => {
    await expect(ensureSecrets(loadConfig({ REDIS_URL: 'redis://r' }))).rejects.toThrow(
      /API_KEY_SECRET must be set/,
    );
  });
});
