// Runs once per test run: builds a migrated PGlite data directory that tests copy instead of
// running initdb themselves (initdb costs ~7 s per directory; a copy ~0.5 s).
import { rm } from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import { migratePostgres } from '../../control-plane/schema/index.ts';
import { silentLogger } from '../logger/index.ts';
import { createPostgres } from '../postgres/index.ts';
import { tempDir } from './services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await tempDir('pglite-template');
  const postgres = await createPostgres({ url: undefined, dataDir: dir, logger: silentLogger() });
  await migratePostgres(postgres, { logger: silentLogger() });
  await postgres.close();
  project.provide('pgliteTemplate', dir);
  return () => rm(dir, { recursive: true, force: true });
}
