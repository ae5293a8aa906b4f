// Globals workflow code expects that a bare VM realm lacks, all made in this realm
// (see bridge.ts). Imported first by the bootstrap, before any module reads them.
import { SandboxHeaders } from "./headers.js";
import type * as Streams from "./streams/index.js";
import { SandboxTextDecoder, SandboxTextEncoder, sandboxAtob, sandboxBtoa } from "./text.js";
import { SandboxURL, SandboxURLSearchParams } from "./url.js";

// `using` (lowered by the bundler) looks for Symbol.dispose, and hooks define it.
const S = Symbol as unknown as Record<string, symbol>;
if (!S.dispose) Object.defineProperty(Symbol, "dispose", { value: Symbol.for("Symbol.dispose") });
if (!S.asyncDispose)
  Object.defineProperty(Symbol, "asyncDispose", { value: Symbol.for("Symbol.asyncDispose") });

function rename(ctor: Function, name: string): void {
  Object.defineProperty(ctor, "name", { value: name });
}
rename(SandboxURL, "URL");
rename(SandboxURLSearchParams, "URLSearchParams");
rename(SandboxHeaders, "Headers");
rename(SandboxTextEncoder, "TextEncoder");
rename(SandboxTextDecoder, "TextDecoder");
// The WHATWG stream classes the peer's workflow VM offers: libraries subclass
// TransformStream when they load (the AI SDK's event-stream parser does). Most runs
// never touch them, and every run has its own realm: they are made on first use
// (a `require` the bundler turns into a lazy module init), which saves each run's
// context about a third of the polyfills' memory and evaluation time.
declare const require: (id: string) => typeof Streams;
let streamClasses: Record<string, Function> | undefined;
function streamGlobals(): Record<string, Function> {
  if (streamClasses) return streamClasses;
  const streams = require("./streams/index.js");
  streamClasses = {
    ReadableStream: streams.SandboxReadableStream,
    ReadableStreamDefaultReader: streams.SandboxReadableStreamDefaultReader,
    ReadableStreamDefaultController: streams.SandboxReadableStreamDefaultController,
    WritableStream: streams.SandboxWritableStream,
    WritableStreamDefaultWriter: streams.SandboxWritableStreamDefaultWriter,
    WritableStreamDefaultController: streams.SandboxWritableStreamDefaultController,
    TransformStream: streams.SandboxTransformStream,
    TransformStreamDefaultController: streams.SandboxTransformStreamDefaultController,
    TextEncoderStream: streams.SandboxTextEncoderStream,
    TextDecoderStream: streams.SandboxTextDecoderStream,
    CountQueuingStrategy: streams.SandboxCountQueuingStrategy,
    ByteLengthQueuingStrategy: streams.SandboxByteLengthQueuingStrategy,
  };
  for (const [name, ctor] of Object.entries(streamClasses)) rename(ctor, name);
  return streamClasses;
}
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
const g = globalThis as Record<string, unknown>;
for (const name of STREAM_GLOBALS) {
  Object.defineProperty(g, name, {
    configurable: true,
    enumerable: true,
    get: () => streamGlobals()[name],
  });
}
Object.assign(g, {
  URL: SandboxURL,
  URLSearchParams: SandboxURLSearchParams,
  Headers: SandboxHeaders,
  TextEncoder: SandboxTextEncoder,
  TextDecoder: SandboxTextDecoder,
  atob: sandboxAtob,
  btoa: sandboxBtoa,
});
