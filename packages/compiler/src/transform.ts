import type { CompilerContext } from "./context.js";
import { DiagnosticCollector } from "./diagnostics/collector.js";
import { EditList } from "./edit/editList.js";
import { runPipeline } from "./pipeline.js";
import type { TransformMode, TransformOptions, TransformResult } from "./types.js";
import { needsCompiling } from "./util/directives.js";
import { idPath, relativeFile } from "./util/paths.js";
import { computeLineStarts } from "./util/text.js";

/** Default module the output imports the runtime helpers from. */
export const DEFAULT_RUNTIME_MODULE = "workflow/internal";

const MODES: readonly TransformMode[] = ["client", "workflow", "step"];

/** Builds the context for one compilation (shared by {@link transform} and the Babel plugin). */
export function createContext(code: string, options: TransformOptions): CompilerContext {
  if (!MODES.includes(options.mode)) {
    throw new TypeError(
      `@wfkit/compiler: mode must be "client", "workflow" or "step", got ${JSON.stringify(options.mode)}`,
    );
  }
  const root = options.root ?? process.cwd();
  const file = relativeFile(options.filename, root);
  let lineStarts: number[] | null = null;
  const getLineStarts = (): number[] => {
    lineStarts ??= computeLineStarts(code);
    return lineStarts;
  };
  return {
    code,
    options: {
      filename: options.filename,
      mode: options.mode,
      root,
      runtimeModule: options.runtimeModule ?? DEFAULT_RUNTIME_MODULE,
    },
    file,
    idFile: idPath(file),
    lineStarts: getLineStarts,
    diagnostics: new DiagnosticCollector(code, file, getLineStarts),
    ast: null,
    analysis: null,
    moduleDirective: null,
    directiveFns: [],
    manifest: { workflows: [], steps: [] },
    edits: new EditList(code),
    output: null,
  };
}

/**
 * Compiles one file for one bundle.
 *
 * Files without a directive (or anything that looks like a misspelt one) are
 * returned as they are without being parsed. Problems are reported in
 * `diagnostics` rather than thrown; the returned code is then a best effort.
 *
 * @example
 * ```ts
 * const { code, map, manifest, diagnostics } = transform(source, {
 *   filename: "/repo/src/orders.ts",
 *   root: "/repo",
 *   mode: "workflow",
 * });
 * ```
 */
export function transform(code: string, options: TransformOptions): TransformResult {
  if (!needsCompiling(code)) {
    if (!MODES.includes(options.mode)) createContext(code, options);
    return { code, map: null, manifest: { workflows: [], steps: [] }, diagnostics: [] };
  }
  const ctx = createContext(code, options);
  runPipeline(ctx);
  const output = ctx.output!;
  return {
    code: output.code,
    map: output.map,
    manifest: ctx.manifest,
    diagnostics: ctx.diagnostics.sorted(),
  };
}
