import { WorkflowError } from "@wfkit/core";

/** Error codes of @wfkit/vite. Each one has a page at docs/errors/<code>.md. */
export const ErrorCodes = {
  /** The `api` module has no default-exported function, or it returned something that is not a Response. */
  API_ENTRY_INVALID: "WF_VITE_API_ENTRY_INVALID",
  /** A handler mounted through the Node adapter threw. */
  HANDLER_FAILED: "WF_VITE_HANDLER_FAILED",
  /** The workflow runtime could not start (or is closed), so the workflow routes cannot answer. */
  RUNTIME_UNAVAILABLE: "WF_VITE_RUNTIME_UNAVAILABLE",
} as const;

export function viteError(code: string, message: string, hint: string, cause?: unknown): WorkflowError {
  return new WorkflowError(code, message, hint, cause === undefined ? undefined : { cause });
}

/** The code of an error that carries one (`WF_…`), else undefined. */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("WF_") ? code : undefined;
}

/** The message of an error without the "Fix:" / "See:" lines a WorkflowError appends. */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split(/\n {2}Fix: |\n {2}See: /)[0]!.replace(/^WF_[A-Z0-9_]+: /, "");
}

/** The JSON error answer every wfkit route uses: `{ error: { code, message, hint, docs } }`. */
export function errorResponse(status: number, code: string, message: string, hint: string): Response {
  return Response.json({ error: { code, message, hint, docs: `docs/errors/${code}.md` } }, { status });
}

/** An error answer for `error`, keeping its own code when it has one. */
export function errorResponseFor(
  status: number,
  error: unknown,
  fallbackCode: string,
  fallbackHint: string,
): Response {
  const code = codeOf(error);
  const hint = (error as { hint?: unknown } | null)?.hint;
  return errorResponse(
    status,
    code ?? fallbackCode,
    messageOf(error),
    code && typeof hint === "string" ? hint : fallbackHint,
  );
}
