// The container image and compose topology, checked without a Docker engine: every service
// command is one the image's entry point knows, the Dockerfile has its expected shape, and
// every variable compose reads is documented in .env.example with no secret committed.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SERVICES } from './services.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFile(path.join(ROOT, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
}

describe('deployment files', () => {
  it('runs only commands the image entry point knows', async () => {
    const compose = parse(await read('docker-compose.yml'), { merge: true }) as {
      services: Record<string, ComposeService>;
    };
    const ours = Object.entries(compose.services).filter(
      ([, service]) => service.image === 'clickstream:latest',
    );
    expect(ours.map(([name]) => name).sort()).toEqual(
      ['control-plane', 'ingest-1', 'ingest-2', 'migrate', 'query-api'].sort(),
    );
    for (const [name, service] of ours) {
      expect(service.command, name).toHaveLength(1);
      expect(SERVICES, name).toContain(service.command?.[0]);
    }
    const dockerfile = await read('Dockerfile');
    const entry = /ENTRYPOINT \["node", "--import", "tsx", "([^"]+)"\]/.exec(dockerfile)?.[1];
    expect(entry).toBe('runtime/launcher/main.ts');
    expect(SERVICES).toContain(/CMD \["([^"]+)"\]/.exec(dockerfile)?.[1]);
  });

  it('builds in two stages onto Debian 12 and runs as a non-root user', async () => {
    const dockerfile = await read('Dockerfile');
    const stages = [...dockerfile.matchAll(/^FROM (\S+)(?: AS (\S+))?$/gm)];
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const [, image] of stages) expect(image).toMatch(/bookworm/);
    expect(dockerfile).toMatch(/^USER (?!root)\w+$/m);
    expect(dockerfile).toMatch(/COPY --from=build/);
    expect(dockerfile).not.toMatch(/(PASSWORD|SECRET)=/);
  });

  it('documents every variable compose reads and commits no secret', async () => {
    const compose = await read('docker-compose.yml');
    const example = await read('.env.example');
    const documented = new Set([...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const referenced = new Set([...compose.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]));
    for (const name of referenced)
      expect(documented.has(name), `${name} missing from .env.example`).toBe(true);
    expect(compose).not.toMatch(/^\s+[A-Z_]*(PASSWORD|SECRET):[ \t]*(?!\$\{)\S/m);
  });
});
