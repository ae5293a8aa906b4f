/**
 * Error codes of World packages, held as data in the shape of @wfkit/core's
 * registry (code → HTTP status and title). They are numbered, `WF_Wnnn_…`,
 * and their pages ship in this package: docs/errors/<CODE>.md. World
 * packages import only @wfkit/world, so the message format lives here too.
 */

/** What the registry knows of one code. */
export interface WorldErrorCodeInfo {
  /** HTTP status of a JSON error answer with this code. */
  readonly status: number;
  /** One line: what happened (the page's heading after the code). */
  readonly title: string;
}

/** Every World code. */
export const WORLD_ERROR_CODES = {
  WF_W001_DATA_DIR_LOCKED: { status: 503, title: "another process has the data directory open" },
  WF_W002_POSTGRES_UNAVAILABLE: { status: 503, title: "the PostgreSQL World could not open its database" },
} as const satisfies Record<string, WorldErrorCodeInfo>;

/** A registered World code. */
export type WorldErrorCode = keyof typeof WORLD_ERROR_CODES;

// The build copies the pages to <package>/docs/errors/, `../docs/errors/` from src/ or dist/.
// Not `new URL("…", import.meta.url)` inline: bundlers (Turbopack, webpack) read that form as an
// asset to resolve at build time. Computed when asked for instead.
const HERE = import.meta.url;

/** The stable, path-free reference to a World code's page (what JSON answers carry). */
export function worldDocsRef(code: WorldErrorCode): string {
  return `@wfkit/world/docs/errors/${code}.md`;
}

/** A `file:` URL of the page inside the installed @wfkit/world, for thrown and logged messages. */
export function worldDocsUrl(code: WorldErrorCode): string {
  return new URL(`../docs/errors/${code}.md`, HERE).href;
}

/**
 * The message of a World error, in the one shape every wfkit error has
 * (the same as @wfkit/core's `formatErrorMessage`):
 * `<CODE>: <what happened>`, then `  Fix: <hint>` and `  See: <page>`.
 */
export function formatWorldError(code: WorldErrorCode, message: string, hint: string): string {
  return `${code}: ${message}\n  Fix: ${hint}\n  See: ${worldDocsUrl(code)}`;
}
