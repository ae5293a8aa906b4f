import { formatWorldError, type WorldErrorCode, worldDocsRef } from "@wfkit/world";

/** The error code of {@link PostgresUnavailableError}, registered in @wfkit/world. */
export const POSTGRES_UNAVAILABLE = "WF_W002_POSTGRES_UNAVAILABLE" satisfies WorldErrorCode;

/** The URL as it may be shown: without its password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.href;
  } catch {
    return "(not a URL)";
  }
}

/** Opening the PostgreSQL World failed: the server, the database or its schema could not be used. */
export class PostgresUnavailableError extends Error {
  readonly code = POSTGRES_UNAVAILABLE;
  /** How to fix it (an error answer over HTTP shows it). */
  readonly hint: string;

  constructor(
    /** The database URL, without its password. */
    readonly url: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const hint =
      "Check WORKFLOW_POSTGRES_URL (or the world option): the host and port, the user and password, " +
      "that the database exists and that the user may create tables in it (or run `wf migrate` as its owner).";
    super(
      formatWorldError(POSTGRES_UNAVAILABLE, `The PostgreSQL World could not open ${url}: ${reason}`, hint),
      { cause },
    );
    this.name = "PostgresUnavailableError";
    this.hint = hint;
  }

  /** The stable reference to this code's page. */
  get docs(): string {
    return worldDocsRef(POSTGRES_UNAVAILABLE);
  }
}
