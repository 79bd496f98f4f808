// The parse pool's worker entry: piscina calls the default export once per task.
import { runParseTask } from './parse-task.ts';

export default runParseTask;
