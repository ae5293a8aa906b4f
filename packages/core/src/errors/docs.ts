/**
 * Where an error code's page is. Sandbox-safe: imports only the key from globals.ts, no `import.meta`.
 *
 * The pages ship inside the installed packages (the build copies
 * docs/errors/<CODE>.md into each package that registers the code), so a
 * link works offline and without the repository:
 * - {@link docsRef} is the stable form, `@wfkit/core/docs/errors/<CODE>.md`:
 *   what JSON answers carry (it names no path of the server's disk) and what
 *   the sandbox prints.
 * - {@link docsLink} is what a thrown message says: the host realm installs a
 *   resolver that gives a `file:` URL of the page (see links.ts); without one
 *   it falls back to the stable form.
 */
import { DOCS_LINK_KEY } from "../globals.js";

/** Registered in the host realm by links.ts; read by every copy of this module in that realm. */
const DOCS_LINK = DOCS_LINK_KEY;

/**
 * The package that ships a code's page: numbered compiler codes (`WF_Cnnn_…`)
 * belong to @wfkit/compiler, numbered World codes (`WF_Wnnn_…`) to
 * @wfkit/world, every other code to @wfkit/core.
 */
export function docsPackage(code: string): string {
  if (/^WF_C\d{3}_/.test(code)) return "@wfkit/compiler";
  if (/^WF_W\d{3}_/.test(code)) return "@wfkit/world";
  return "@wfkit/core";
}

/** The stable, path-free reference to a code's page, e.g. `@wfkit/core/docs/errors/WF_RUN_NOT_FOUND.md`. */
export function docsRef(code: string): string {
  return `${docsPackage(code)}/docs/errors/${code}.md`;
}

/** The link a thrown or logged message gives: a `file:` URL on the host, else {@link docsRef}. */
export function docsLink(code: string): string {
  const resolve = (globalThis as Record<symbol, unknown>)[DOCS_LINK];
  return typeof resolve === "function" ? (resolve as (code: string) => string)(code) : docsRef(code);
}

/** Makes {@link docsLink} answer with `resolve(code)` in this realm (the host does it once). */
export function setDocsLinkResolver(resolve: (code: string) => string): void {
  (globalThis as Record<symbol, unknown>)[DOCS_LINK] = resolve;
}
