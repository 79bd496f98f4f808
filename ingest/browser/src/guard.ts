// Every way into the tracker (API calls, DOM listeners, timers, promise callbacks) goes through
// guard(): a bug or a hostile input inside the tracker must never become the host page's error.

/** `fn`, except that whatever it throws is swallowed (the call then returns undefined). */
export function guard<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R | undefined {
  return (...args) => {
    try {
      return fn(...args);
    } catch {
      return undefined;
    }
  };
}
