import type { DiagnosticSeverity } from "../types.js";

/**
 * Every diagnostic the compiler can report. Each code has a page at
 * `docs/errors/<code>.md`; keep this list and the pages in step.
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
};
