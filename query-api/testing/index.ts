// Test support for the query API: a per-file world (engine, control plane, query API), a seeded
// event generator, and expected answers computed independently in JavaScript. Tests only: never
// imported by product code.
export { type Auth, bearer, openFixture, type QueryApiFixture, qs } from './fixture.ts';
export {
  chTime,
  type GenerateOptions,
  generateEvents,
  insertEvents,
  pick,
  prng,
  type TestEvent,
} from './generate-events.ts';
export {
  BREAKDOWN_UNIQUE_COUNT_TOLERANCE,
  bucketKey,
  counts,
  distinct,
  type ExpectedRow,
  expectRows,
  expectUnique,
  inRange,
  keyOfStart,
  localText,
  mondayOf,
  topRows,
  UNIQUE_COUNT_TOLERANCE,
  type Unit,
  visitorOf,
} from './reference.ts';
