import type { Diagnostic } from "../types.js";
import { diagnosticDocsUrl } from "./codes.js";

/**
 * A diagnostic as text for a terminal or a bundler's error overlay: the code
 * and message, where it is, the code frame, how to fix it and its docs page.
 * Loads nothing (no Babel), so hosts can import it up front.
 *
 * ```text
 * WF_C001_DIRECTIVE_NOT_ASYNC: "use step" must be in an async function.
 *   at workflows/order.ts:3:3
 *   > 3 |   "use step";
 *   Fix: Make charge async: async function charge() { … }
 *   See: file:///…/node_modules/@wfkit/compiler/docs/errors/WF_C001_DIRECTIVE_NOT_ASYNC.md
 * ```
 */
export function formatDiagnostic(d: Diagnostic): string {
  const lines = [`${d.code}: ${d.message}`, `  at ${d.file}:${d.loc.line}:${d.loc.column + 1}`];
  if (d.codeFrame) lines.push(...d.codeFrame.split("\n").map((line) => `  ${line}`));
  if (d.hint) lines.push(`  Fix: ${d.hint}`);
  lines.push(`  See: ${diagnosticDocsUrl(d.code)}`);
  return lines.join("\n");
}
