// `getRun(runId)` is synchronous, as in the `workflow` package, yet the default
// runtime may still be starting (Next and Vite create it on first use). The
// handle therefore reads through a source that waits for the runtime first.
import { getDefaultRuntime } from "../host/default.js";
import { Run, type RunSource } from "../host/run.js";

/**
 * A `RunSource` whose every method first waits for the default runtime, then
 * calls the same method of the runtime's own source. A Proxy, so methods the
 * source gains later are forwarded without a change here (they must be async).
 */
function lazyRunSource(): RunSource {
  return new Proxy({} as RunSource, {
    get(_target, key) {
      if (key === "then") return undefined; // never look like a promise
      return async (...args: unknown[]) => {
        const source = (await getDefaultRuntime()).runSource as unknown as Record<PropertyKey, unknown>;
        const method = source[key];
        if (typeof method !== "function") throw new TypeError(`RunSource has no method ${String(key)}`);
        return method.apply(source, args);
      };
    },
  });
}

/** A handle on the run with this id, usable before the default runtime has started. */
export function runHandle<T>(runId: string): Run<T> {
  return new Run<T>(lazyRunSource(), runId);
}
