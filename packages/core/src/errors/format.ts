import { docsLink } from "./docs.js";

/**
 * The one message shape of every wfkit error:
 *
 * ```text
 * WF_RUN_NOT_FOUND: There is no run with id r1.
 *   Fix: Check the id; runs are kept in the World the runtime was started with.
 *   See: file:///…/node_modules/@wfkit/core/docs/errors/WF_RUN_NOT_FOUND.md
 * ```
 *
 * `docs` defaults to {@link docsLink}. Sandbox-safe.
 */
export function formatErrorMessage(
  code: string,
  message: string,
  hint?: string,
  docs = docsLink(code),
): string {
  return `${code}: ${message}${hint ? `\n  Fix: ${hint}` : ""}\n  See: ${docs}`;
}

/** The code of an error that carries one (`WF_…`), else undefined. */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("WF_") ? code : undefined;
}

/** What happened, without the leading code and the "Fix:" / "See:" lines of {@link formatErrorMessage}. */
export function messageOf(error: unknown): string {
  // Not `instanceof Error`: an error made in the sandbox realm has another Error.
  const message = (error as { message?: unknown } | null)?.message;
  const text = typeof message === "string" ? message : String(error);
  return text.split(/\n {2}Fix: |\n {2}See: /)[0]!.replace(/^WF_[A-Z0-9_]+: /, "");
}
