// Globals workflow code expects that a bare VM realm lacks, all made in this realm
// (see bridge.ts). Imported first by the bootstrap, before any module reads them.
import type * as StreamGlobals from "./streams/globals.js";
import type * as WebGlobals from "./web-globals.js";

// `using` (lowered by the bundler) looks for Symbol.dispose, and hooks define it.
const S = Symbol as unknown as Record<string, symbol>;
if (!S.dispose) Object.defineProperty(Symbol, "dispose", { value: Symbol.for("Symbol.dispose") });
if (!S.asyncDispose)
  Object.defineProperty(Symbol, "asyncDispose", { value: Symbol.for("Symbol.asyncDispose") });

// Every run has its own realm, and most runs touch none of these: each group is made
// on first use (a `require` the bundler turns into a lazy module init), which saves
// every run's context the evaluation of their classes and the memory they take. The
// WHATWG stream classes are those the peer's workflow VM offers: libraries subclass
// TransformStream when they load (the AI SDK's event-stream parser does).
declare const require: (id: string) => unknown;

/** The names of the stream globals (sandbox/harden.ts pins them like the others). */
export const STREAM_GLOBALS = [
  "ReadableStream",
  "ReadableStreamDefaultReader",
  "ReadableStreamDefaultController",
  "WritableStream",
  "WritableStreamDefaultWriter",
  "WritableStreamDefaultController",
  "TransformStream",
  "TransformStreamDefaultController",
  "TextEncoderStream",
  "TextDecoderStream",
  "CountQueuingStrategy",
  "ByteLengthQueuingStrategy",
] as const;
/** URL, Headers, text coding: made on first use too. */
export const WEB_GLOBALS = [
  "URL",
  "URLSearchParams",
  "Headers",
  "TextEncoder",
  "TextDecoder",
  "atob",
  "btoa",
] as const;

let streams: Record<string, unknown> | undefined;
let web: Record<string, unknown> | undefined;
const streamGlobal = (name: string) =>
  (streams ??= (require("./streams/globals.js") as typeof StreamGlobals).streamGlobalValues())[name];
const webGlobal = (name: string) =>
  (web ??= (require("./web-globals.js") as typeof WebGlobals).webGlobalValues())[name];

const g = globalThis as Record<string, unknown>;
for (const name of STREAM_GLOBALS)
  Object.defineProperty(g, name, { configurable: true, enumerable: true, get: () => streamGlobal(name) });
for (const name of WEB_GLOBALS)
  Object.defineProperty(g, name, { configurable: true, enumerable: true, get: () => webGlobal(name) });
