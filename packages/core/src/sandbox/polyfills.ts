// Globals workflow code expects that a bare VM realm lacks, all made in this realm
// (see bridge.ts). Imported first by the bootstrap, before any module reads them.
import { SandboxHeaders } from "./headers.js";
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
const g = globalThis as Record<string, unknown>;
Object.assign(g, {
  URL: SandboxURL,
  URLSearchParams: SandboxURLSearchParams,
  Headers: SandboxHeaders,
  TextEncoder: SandboxTextEncoder,
  TextDecoder: SandboxTextDecoder,
  atob: sandboxAtob,
  btoa: sandboxBtoa,
});
