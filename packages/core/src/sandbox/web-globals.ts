// The web globals workflow code may use that a bare VM realm lacks (URL, Headers,
// TextEncoder, …): required by polyfills.ts on first use, so a run that never
// touches them does not evaluate their classes in its own realm.
import { SandboxHeaders } from "./headers.js";
import { SandboxTextDecoder, SandboxTextEncoder, sandboxAtob, sandboxBtoa } from "./text.js";
import { SandboxURL, SandboxURLSearchParams } from "./url.js";

/** The web globals by name, their classes named as the standard ones. */
export function webGlobalValues(): Record<string, unknown> {
  const values: Record<string, unknown> = {
    URL: SandboxURL,
    URLSearchParams: SandboxURLSearchParams,
    Headers: SandboxHeaders,
    TextEncoder: SandboxTextEncoder,
    TextDecoder: SandboxTextDecoder,
    atob: sandboxAtob,
    btoa: sandboxBtoa,
  };
  for (const name of ["URL", "URLSearchParams", "Headers", "TextEncoder", "TextDecoder"])
    Object.defineProperty(values[name], "name", { value: name });
  return values;
}
