import type * as t from "@babel/types";
import type { Analysis, FunctionInfo } from "./analysis/model.js";
import type { DiagnosticCollector } from "./diagnostics/collector.js";
import type { Chunk, EditList } from "./edit/editList.js";
import type { Manifest, SourceMap, TransformMode } from "./types.js";
import type { DirectiveName } from "./util/directives.js";

/** A function the compiler rewrites: a workflow or a step. */
export interface DirectiveFn {
  fn: FunctionInfo;
  kind: "workflow" | "step";
  /** The directive in the body, or `null` when the module-level directive applies. */
  directive: t.Directive | null;
  /** Nearest enclosing workflow or step (set by validate). */
  enclosing: DirectiveFn | null;
  /** A step inside a step: runs inline as a plain function (set by validate). */
  inert: boolean;
  /** Set by assignIds. */
  namePath: string;
  id: string;
  exportName: string | null;
  /** Outer variables a nested step reads (set by captureClosures), sorted. */
  captures: string[];
  /** A captured variable is read in a parameter default, before the body could unpack the closure. */
  capturesInParams: boolean;
}

/** Resolved options. */
export interface ResolvedOptions {
  filename: string;
  mode: TransformMode;
  root: string;
  runtimeModule: string;
}

/** State shared by the passes of one compilation; each pass reads what earlier passes wrote. */
export interface CompilerContext {
  readonly code: string;
  readonly options: ResolvedOptions;
  /** File path relative to root (POSIX). */
  readonly file: string;
  /** `file` without extension, as used in ids. */
  readonly idFile: string;
  lineStarts(): number[];
  readonly diagnostics: DiagnosticCollector;
  ast: t.File | null;
  analysis: Analysis | null;
  moduleDirective: { name: DirectiveName; node: t.Directive } | null;
  directiveFns: DirectiveFn[];
  manifest: Manifest;
  readonly edits: EditList;
  output: { code: string; map: SourceMap | null; chunks: Chunk[]; offsets: number[] } | null;
}
