import type { DiagnosticSeverity } from "../types.js";

/**
 * Every diagnostic the compiler can report. Each code has a page,
 * docs/errors/<code>.md, shipped in this package (see {@link DIAGNOSTIC_CODE_INFO}).
 */
export const DiagnosticCodes = {
  PARSE_ERROR: "WF_C000_PARSE_ERROR",
  DIRECTIVE_NOT_ASYNC: "WF_C001_DIRECTIVE_NOT_ASYNC",
  DIRECTIVE_NOT_FIRST: "WF_C002_DIRECTIVE_NOT_FIRST",
  DIRECTIVE_MISSPELLED: "WF_C003_DIRECTIVE_MISSPELLED",
  NESTED_WORKFLOW: "WF_C004_NESTED_WORKFLOW",
  NODE_MODULE_IN_WORKFLOW: "WF_C005_NODE_MODULE_IN_WORKFLOW",
  STEP_MODULE_NON_ASYNC_EXPORT: "WF_C006_STEP_MODULE_NON_ASYNC_EXPORT",
  STEP_IN_STEP: "WF_C007_STEP_IN_STEP",
  NODE_MODULE_IN_HELPER: "WF_C008_NODE_MODULE_IN_HELPER",
} as const;

export type DiagnosticCode = (typeof DiagnosticCodes)[keyof typeof DiagnosticCodes];

/** Default severity per code. */
export const SEVERITY: Record<DiagnosticCode, DiagnosticSeverity> = {
  WF_C000_PARSE_ERROR: "error",
  WF_C001_DIRECTIVE_NOT_ASYNC: "error",
  WF_C002_DIRECTIVE_NOT_FIRST: "error",
  WF_C003_DIRECTIVE_MISSPELLED: "error",
  WF_C004_NESTED_WORKFLOW: "error",
  WF_C005_NODE_MODULE_IN_WORKFLOW: "error",
  WF_C006_STEP_MODULE_NON_ASYNC_EXPORT: "error",
  WF_C007_STEP_IN_STEP: "warning",
  WF_C008_NODE_MODULE_IN_HELPER: "error",
};

/** What the registry knows of one code: the shape of @wfkit/core's runtime registry. */
export interface DiagnosticCodeInfo {
  /** HTTP status when a dev server answers with it: a build failure is the server's (500). */
  readonly status: number;
  /** One line: what happened (the page's heading after the code). */
  readonly title: string;
}

/** The compiler's codes held as data; test/docs-errors.test.ts checks each against its page. */
export const DIAGNOSTIC_CODE_INFO: Record<DiagnosticCode, DiagnosticCodeInfo> = {
  WF_C000_PARSE_ERROR: { status: 500, title: "the compiler could not parse the file" },
  WF_C001_DIRECTIVE_NOT_ASYNC: { status: 500, title: "a directive marks a function that is not async" },
  WF_C002_DIRECTIVE_NOT_FIRST: { status: 500, title: "a directive is not at the top of its body" },
  WF_C003_DIRECTIVE_MISSPELLED: { status: 500, title: "a directive looks like a typo of ours" },
  WF_C004_NESTED_WORKFLOW: { status: 500, title: "a workflow is declared inside a workflow or step" },
  WF_C005_NODE_MODULE_IN_WORKFLOW: {
    status: 500,
    title: "workflow code uses a Node builtin or an I/O package",
  },
  WF_C006_STEP_MODULE_NON_ASYNC_EXPORT: {
    status: 500,
    title: 'a "use step" module exports something that is not a step',
  },
  WF_C007_STEP_IN_STEP: { status: 500, title: "a step is declared inside another step (warning)" },
  WF_C008_NODE_MODULE_IN_HELPER: {
    status: 500,
    title: "workflow code reaches a Node builtin or an I/O package through a helper",
  },
};

// The build copies the pages to <package>/docs/errors/, `../../docs/errors/` from src/diagnostics/ or dist/diagnostics/.
// Not `new URL("…", import.meta.url)` inline: bundlers (Turbopack, webpack) read that form as an
// asset to resolve at build time. Computed when asked for instead.
const HERE = import.meta.url;

/** The stable, path-free reference to a code's page, e.g. `@wfkit/compiler/docs/errors/WF_C001_DIRECTIVE_NOT_ASYNC.md`. */
export function diagnosticDocsRef(code: string): string {
  return `@wfkit/compiler/docs/errors/${code}.md`;
}

/** A `file:` URL of the code's page inside the installed @wfkit/compiler, for printed diagnostics. */
export function diagnosticDocsUrl(code: string): string {
  return new URL(`../../docs/errors/${code}.md`, HERE).href;
}
