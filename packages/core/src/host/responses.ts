/** The JSON error answer every wfkit route gives: `{ error: { code, message, hint, docs } }`. */
export function errorResponse(
  status: number,
  code: string,
  message: string,
  hint: string,
  headers?: HeadersInit,
): Response {
  return Response.json(
    { error: { code, message, hint, docs: `docs/errors/${code}.md` } },
    { status, headers },
  );
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

/** An error answer for `error`, keeping its own code and hint when it has them. */
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
