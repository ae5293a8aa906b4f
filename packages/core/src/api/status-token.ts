// Status tokens of the async request-reply helpers: an HMAC of the run id under
// a server secret. Nothing is stored per run, any process holding the secret can
// check a token, and the run id alone never opens a run's status.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** Where run status routes live: `<prefix><runId>/status`. */
export const RUN_STATUS_PREFIX = "/.well-known/workflow/v1/runs/";

/**
 * The secret status tokens are derived from: a string, or a function that
 * gives it (read or created on first use). Hosts built on `createAppServer`
 * pass `WORKFLOW_SECRET` or a secret kept in the data folder.
 */
export type StatusSecretOption = string | (() => string | Promise<string>);

/**
 * The secret of a runtime, read once. Without one, a random secret of this
 * process: its tokens stop working when the process restarts.
 */
export function statusSecretSource(option: StatusSecretOption | undefined): () => Promise<string> {
  let secret: Promise<string> | undefined;
  return () => {
    secret ??= Promise.resolve(
      option === undefined
        ? randomBytes(32).toString("base64url")
        : typeof option === "string"
          ? option
          : option(),
    ).catch((error: unknown) => {
      secret = undefined; // a failed read is tried again on the next request
      throw error;
    });
    return secret;
  };
}

/** The status token of a run: base64url HMAC-SHA256 of the run id. */
export function computeStatusToken(secret: string, runId: string): string {
  return createHmac("sha256", secret).update(`wfkit.status.v1:${runId}`).digest("base64url");
}

/** Constant-time check of a presented token. */
export function checkStatusToken(secret: string, runId: string, token: string | null | undefined): boolean {
  if (!token) return false;
  const expected = Buffer.from(computeStatusToken(secret, runId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A same-app path (`/…`, not `//…`): the only result URLs a status route redirects to. */
export function isAppPath(url: string): boolean {
  return url.startsWith("/") && !url.startsWith("//") && !url.includes("\\");
}

/** The path and query of a run's status route. */
export function runStatusPath(runId: string, token: string, resultUrl?: string): string {
  const query = new URLSearchParams({ token });
  if (resultUrl !== undefined) query.set("result", resultUrl);
  return `${RUN_STATUS_PREFIX}${encodeURIComponent(runId)}/status?${query}`;
}
