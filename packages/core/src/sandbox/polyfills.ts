// Globals workflow code expects that a bare VM realm lacks, all made in this realm
// (see bridge.ts). Imported first by the bootstrap, before any module reads them.

import { STREAM_GLOBALS, WEB_GLOBALS } from "./global-names.js";
import { deepFreeze } from "./lockdown.js";
import type * as StreamGlobals from "./streams/globals.js";
import type * as WebGlobals from "./web-globals.js";

// `using` (lowered by the bundler) looks for Symbol.dispose, and hooks define it.
const S = Symbol as unknown as Record<string, symbol>;
if (!S.dispose) Object.defineProperty(Symbol, "dispose", { value: Symbol.for("Symbol.dispose") });
if (!S.asyncDispose)
  Object.defineProperty(Symbol, "asyncDispose", { value: Symbol.for("Symbol.asyncDispose") });

// Most realms never touch these: each group is made on first use (a `require` the
// bundler turns into a lazy module init), which saves the evaluation of their
// classes and the memory they take. The
// WHATWG stream classes are those the peer's workflow VM offers: libraries subclass
// TransformStream when they load (the AI SDK's event-stream parser does).
declare const require: (id: string) => unknown;

/** Defines `names` as globals whose values `load` makes, all at once, on the first read of any. */
function defineOnFirstUse(names: readonly string[], load: () => Record<string, unknown>): void {
  let values: Record<string, unknown> | undefined;
  for (const name of names) {
    Object.defineProperty(globalThis, name, {
      configurable: true,
      enumerable: true,
      // Made once in a realm every run shares: frozen as it is made (lockdown.ts).
      get: () => (values ??= frozen(load()))[name],
    });
  }
}
defineOnFirstUse(STREAM_GLOBALS, () =>
  (require("./streams/globals.js") as typeof StreamGlobals).streamGlobalValues(),
);
defineOnFirstUse(WEB_GLOBALS, () => (require("./web-globals.js") as typeof WebGlobals).webGlobalValues());

function frozen<T>(values: T): T {
  deepFreeze(values);
  return values;
}
