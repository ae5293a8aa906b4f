/**
 * Public types of `@wfkit/compiler`. The output contract with the runtime is
 * described in `docs/internals/compiled-output.md`.
 */

/**
 * Which bundle the transformed file is for:
 * - `client`: application code that calls `start(workflow)`; workflow bodies become stubs.
 * - `workflow`: code for the deterministic sandbox; step bodies become `stepProxy` calls.
 * - `step`: ordinary Node modules that run step bodies; workflow bodies become stubs.
 */
export type TransformMode = "client" | "workflow" | "step";

/** Options of {@link transform}. */
export interface TransformOptions {
  /** Path of the file being compiled (absolute, or relative to `root`). Only its path relative to `root` reaches the output. */
  filename: string;
  /** Which bundle to produce. */
  mode: TransformMode;
  /** Project root that ids and source-map paths are relative to. Defaults to `process.cwd()`. */
  root?: string;
  /** Module the output imports runtime helpers from. Defaults to `"workflow/internal"`. */
  runtimeModule?: string;
}

/** A workflow or step found in a file, as listed in the {@link Manifest}. */
export interface ManifestEntry {
  /** Stable id, e.g. `workflow//src/orders//processOrder`. */
  id: string;
  /** Name path of the function, e.g. `processOrder/chargeCard` or `Billing.charge`. */
  name: string;
  /** Export the function is reachable by (`"default"`, a name), or `null` when it is not exported directly. */
  exportName: string | null;
  /** File path relative to the root, POSIX separators. */
  file: string;
  /** 1-based line of the function. */
  line: number;
}

/** Everything a file declares, independent of the mode. */
export interface Manifest {
  workflows: ManifestEntry[];
  steps: ManifestEntry[];
}

/** Severity of a {@link Diagnostic}: errors make the output unusable for production; warnings do not. */
export type DiagnosticSeverity = "error" | "warning";

/** A problem found while compiling. Diagnostics are collected, never thrown. */
export interface Diagnostic {
  /** Stable code such as `WF_C001_DIRECTIVE_NOT_ASYNC`; documented in `docs/errors/<code>.md`. */
  code: string;
  severity: DiagnosticSeverity;
  message: string;
  /** One actionable sentence on how to fix it. */
  hint: string;
  /** 1-based line and 0-based column (Babel's convention) in the original source. */
  loc: { line: number; column: number };
  /** File path relative to the root. */
  file: string;
  /** The source lines around `loc`, without ANSI colours. */
  codeFrame: string;
}

/** A version 3 source map. Paths are relative to the root. */
export interface SourceMap {
  version: 3;
  file: string;
  sources: string[];
  sourcesContent: string[];
  names: string[];
  mappings: string;
}

/** Result of {@link transform}. */
export interface TransformResult {
  code: string;
  /** Maps `code` back to the input; `null` when the file passed through unchanged. */
  map: SourceMap | null;
  manifest: Manifest;
  diagnostics: Diagnostic[];
}
