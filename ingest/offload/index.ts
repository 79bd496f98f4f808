// CPU offload for the ingest edge: large batch bodies go through the pure pipeline steps in
// worker threads (piscina) and come back as spool lines plus per-item rejections. It must never
// authenticate, limit, spool or answer: those stay on the main thread, so the answer is the
// same whichever thread did the parsing.
export { OFFLOAD_MIN_BYTES, ParsePool } from './parse-pool.ts';
export type { ParseOutcome, ParseTask } from './parse-task.ts';
