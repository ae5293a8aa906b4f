import { statusOf } from "./codes.js";
import { docsRef } from "./docs.js";
import { codeOf, messageOf } from "./format.js";

/** Status and headers of an error answer; the status defaults to the code's registered one. */
export interface ErrorResponseInit {
  status?: number;
  headers?: HeadersInit;
}

/**
 * The JSON error answer every wfkit route gives:
 * `{ error: { code, message, hint, docs } }`, with the status registered for
 * `code` unless `init.status` says otherwise. `docs` is the stable
 * `@wfkit/core/docs/errors/<CODE>.md`: it names no path on the server.
 */
export function errorResponse(
  code: string,
  message: string,
  hint: string,
  init?: ErrorResponseInit,
): Response;
/** The older positional form, status first (kept while the adapters move to the form above). */
export function errorResponse(
  status: number,
  code: string,
  message: string,
  hint: string,
  headers?: HeadersInit,
): Response;
export function errorResponse(...args: unknown[]): Response {
  const [status, code, message, hint, headers] =
    typeof args[0] === "number"
      ? (args as [number, string, string, string, HeadersInit | undefined])
      : [
          (args[3] as ErrorResponseInit | undefined)?.status ?? statusOf(args[0] as string),
          args[0] as string,
          args[1] as string,
          args[2] as string,
          (args[3] as ErrorResponseInit | undefined)?.headers,
        ];
  return Response.json({ error: { code, message, hint, docs: docsRef(code) } }, { status, headers });
}

/**
 * An error answer for `error`, keeping its own code and hint when it has
 * them (else `fallbackCode` / `fallbackHint`); the status is the registered
 * one of the code used, unless `init.status` says otherwise.
 */
export function errorResponseFor(
  error: unknown,
  fallbackCode: string,
  fallbackHint: string,
  init?: ErrorResponseInit,
): Response;
/** The older positional form, status first. */
export function errorResponseFor(
  status: number,
  error: unknown,
  fallbackCode: string,
  fallbackHint: string,
): Response;
export function errorResponseFor(...args: unknown[]): Response {
  const [init, error, fallbackCode, fallbackHint] =
    typeof args[0] === "number"
      ? [{ status: args[0] } as ErrorResponseInit, args[1], args[2] as string, args[3] as string]
      : [args[3] as ErrorResponseInit | undefined, args[0], args[1] as string, args[2] as string];
  const code = codeOf(error);
  const hint = (error as { hint?: unknown } | null)?.hint;
  return errorResponse(
    code ?? fallbackCode,
    messageOf(error),
    code && typeof hint === "string" ? hint : fallbackHint,
    init,
  );
}
