export { type WfkitBabelPluginOptions, wfkitBabelPlugin } from "./babelPlugin.js";
export {
  DIAGNOSTIC_CODE_INFO,
  type DiagnosticCode,
  type DiagnosticCodeInfo,
  DiagnosticCodes,
  diagnosticDocsRef,
  diagnosticDocsUrl,
} from "./diagnostics/codes.js";
export { formatDiagnostic } from "./diagnostics/format.js";
export { type NodeModuleDiagnosticsOptions, nodeModuleDiagnostics } from "./nodeModuleUses.js";
export { type Pass, PIPELINE } from "./pipeline.js";
export { DEFAULT_RUNTIME_MODULE, transform } from "./transform.js";
export type {
  Diagnostic,
  DiagnosticSeverity,
  Manifest,
  ManifestEntry,
  SourceMap,
  TransformMode,
  TransformOptions,
  TransformResult,
} from "./types.js";
