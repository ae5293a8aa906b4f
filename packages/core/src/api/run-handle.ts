// `getRun(runId)` is synchronous, as in the `workflow` package, yet the default
// runtime may still be starting (Next and Vite create it on first use). The
// handle therefore reads through a source that waits for the runtime first.
import type { StreamListener, WorldStreams } from "@wfkit/world";
import { getDefaultRuntime } from "../host/default.js";
import { Run, type RunSource } from "../host/run.js";

/** The default runtime's World streams, reached once the runtime is up. */
async function defaultStreams(): Promise<WorldStreams> {
  const streams = (await getDefaultRuntime()).runSource.streams;
  if (!streams) throw new TypeError("The default runtime's World has no streams");
  return streams;
}

/**
 * `run.getReadable()` is synchronous, so the handle needs the World's streams
 * before the runtime may be up: each call waits for it, and a listener is
 * attached once it is (and never, if it was removed first).
 */
const lazyStreams: WorldStreams = {
  append: async (request) => (await defaultStreams()).append(request),
  read: async (runId, namespace, options) => (await defaultStreams()).read(runId, namespace, options),
  info: async (runId, namespace) => (await defaultStreams()).info(runId, namespace),
  onAppend(listener: StreamListener) {
    let off: (() => void) | undefined;
    let removed = false;
    defaultStreams().then(
      (streams) => {
        if (!removed) off = streams.onAppend(listener);
      },
      () => {},
    );
    return () => {
      removed = true;
      off?.();
    };
  },
};

/**
 * A `RunSource` whose every method first waits for the default runtime, then
 * calls the same method of the runtime's own source. A Proxy, so methods the
 * source gains later are forwarded without a change here (they must be async).
 */
function lazyRunSource(): RunSource {
  return new Proxy({} as RunSource, {
    get(_target, key) {
      if (key === "then") return undefined; // never look like a promise
      if (key === "streams") return lazyStreams; // a value, not a method
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
