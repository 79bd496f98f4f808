// Runs async tasks one at a time, in the order they were queued. The embedded adapter needs this
// on its main chdb session because that connection carries state: per-query settings are applied
// with SET and put back afterwards, which must not interleave with a neighbour's statement, and
// chdb binds a stream's parameters on the calling thread against process-wide parameter state,
// so a stream must not start while a bound query runs. chdb already runs one statement at a time
// per connection, so the queue costs no parallelism.

export class SerialQueue {
  #tail: Promise<void> = Promise.resolve();

  /** Runs task after everything queued before it has settled; settles with the task. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
