/**
 * Host side: links to the pages inside this installed package. Importing
 * this module makes every WorkflowError made in this realm (core's own and
 * the copy inside a step bundle) say `See: file:///…/docs/errors/<CODE>.md`.
 * The sandbox has no `import.meta.url` and keeps the stable form.
 */
import { isErrorCode } from "./codes.js";
import { docsRef, setDocsLinkResolver } from "./docs.js";

// The build copies the pages to <package>/docs/errors/, `../../docs/errors/` from src/errors/ or dist/errors/.
// Not `new URL("…", import.meta.url)` inline: bundlers (Turbopack, webpack) read that form as an
// asset to resolve at build time. Computed when asked for instead.
const HERE = import.meta.url;

/**
 * A `file:` URL of the page for a registered runtime code, inside the
 * installed @wfkit/core; for any other code, its stable {@link docsRef}.
 * For logs and thrown messages only: never send it to a remote caller.
 */
export function docsUrl(code: string): string {
  return isErrorCode(code) ? new URL(`../../docs/errors/${code}.md`, HERE).href : docsRef(code);
}

setDocsLinkResolver(docsUrl);
