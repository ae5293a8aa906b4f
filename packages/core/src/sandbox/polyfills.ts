// A fresh VM realm lacks what Node adds to its own Symbol: `using` (lowered by
// the bundler) looks for Symbol.dispose, and hooks define it. Imported first.
const S = Symbol as unknown as Record<string, symbol>;
if (!S.dispose) Object.defineProperty(Symbol, "dispose", { value: Symbol.for("Symbol.dispose") });
if (!S.asyncDispose)
  Object.defineProperty(Symbol, "asyncDispose", { value: Symbol.for("Symbol.asyncDispose") });

export {};
