import { parse } from "@babel/parser";
import type * as t from "@babel/types";
import { VISITOR_KEYS } from "@babel/types";
import type { Chunk } from "./edit/editList.js";
import { parserPlugins } from "./passes/parse.js";
import { runPipeline } from "./pipeline.js";
import { createContext } from "./transform.js";
import type { Diagnostic, Manifest, TransformMode } from "./types.js";
import { needsCompiling } from "./util/directives.js";
import { lineIndexOf } from "./util/text.js";

/** Options of {@link wfkitBabelPlugin}. */
export interface WfkitBabelPluginOptions {
  mode: TransformMode;
  /** Root for ids and paths; defaults to Babel's `root`, then `cwd`. */
  root?: string;
  /** Defaults to `"workflow/internal"`. */
  runtimeModule?: string;
  /**
   * Throw one error listing every error diagnostic (default `true`), since a
   * Babel host has nowhere else to surface them. The diagnostics and manifest
   * are always in `file.metadata.wfkit`.
   */
  throwOnError?: boolean;
}

/** What the plugin leaves in Babel's `file.metadata.wfkit`. */
export interface WfkitBabelMetadata {
  manifest: Manifest;
  diagnostics: Diagnostic[];
}

// The few parts of Babel's plugin API the plugin touches, typed structurally so
// the package needs no dependency on @babel/core.
interface BabelFile {
  code: string;
  opts: { filename?: string | null; root?: string; cwd?: string };
  metadata: Record<string, unknown>;
}
interface ProgramPath {
  node: t.Program;
  scope: { crawl(): void };
}
interface PluginPass {
  file: BabelFile;
  filename?: string;
  cwd?: string;
}

/**
 * The compiler as a Babel plugin, for hosts that already run Babel. It runs
 * the same pipeline as {@link transform} on the file's original text, then
 * swaps in the result with locations pointing back at the original source,
 * so Babel's own source map stays correct.
 *
 * @example
 * ```ts
 * transformSync(code, { filename, plugins: [[wfkitBabelPlugin, { mode: "workflow" }]] });
 * ```
 */
export function wfkitBabelPlugin(
  _api: unknown,
  options: WfkitBabelPluginOptions,
): { name: string; visitor: { Program: (path: ProgramPath, state: PluginPass) => void } } {
  return {
    name: "wfkit",
    visitor: {
      Program(path, state) {
        const file = state.file;
        const code = file.code;
        if (!needsCompiling(code)) return;
        const filename = state.filename ?? file.opts.filename ?? "unknown.tsx";
        const ctx = createContext(code, {
          filename,
          mode: options.mode,
          root: options.root ?? file.opts.root ?? file.opts.cwd ?? state.cwd,
          runtimeModule: options.runtimeModule,
        });
        runPipeline(ctx);
        const diagnostics = ctx.diagnostics.sorted();
        const metadata: WfkitBabelMetadata = { manifest: ctx.manifest, diagnostics };
        file.metadata.wfkit = metadata;
        const errors = diagnostics.filter((d) => d.severity === "error");
        if (errors.length > 0 && options.throwOnError !== false) {
          const text = errors.map(
            (d) => `${d.code}: ${d.message} (${d.file}:${d.loc.line}:${d.loc.column})\n${d.codeFrame}`,
          );
          throw new Error(`@wfkit/compiler found ${errors.length} error(s):\n${text.join("\n\n")}`);
        }
        const out = ctx.output;
        if (!out || ctx.edits.size === 0) return;
        const ast = parse(out.code, { sourceType: "module", plugins: parserPlugins(filename) });
        const filenameOfLocs = path.node.loc?.filename;
        remapLocations(ast.program, out.chunks, out.offsets, ctx.lineStarts(), filenameOfLocs);
        path.node.body = ast.program.body;
        path.node.directives = ast.program.directives;
        // Later plugins (e.g. TypeScript import elision) read bindings: rebuild them for the new body.
        path.scope.crawl();
      },
    },
  };
}

/** Rewrites every node's location from output offsets to original ones, using the chunk list. */
function remapLocations(
  root: t.Node,
  chunks: Chunk[],
  offsets: number[],
  lineStarts: number[],
  filename: string | undefined,
): void {
  const toOriginal = (out: number): { line: number; column: number; index: number } => {
    let lo = 0;
    let hi = offsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (offsets[mid] <= out) lo = mid;
      else hi = mid - 1;
    }
    const chunk = chunks[lo];
    const index = chunk.copied ? chunk.origin + (out - offsets[lo]) : chunk.origin;
    const line = lineIndexOf(lineStarts, index);
    return { line: line + 1, column: index - lineStarts[line], index };
  };
  const seen = new Set<object>();
  const visit = (node: t.Node | t.Comment): void => {
    if (seen.has(node)) return;
    seen.add(node);
    if (node.start != null && node.end != null) {
      const start = toOriginal(node.start);
      const last = toOriginal(Math.max(node.start, node.end - 1));
      const end = node.end > node.start ? { ...last, column: last.column + 1, index: last.index + 1 } : last;
      const identifierName = node.loc?.identifierName;
      (node as { loc: unknown }).loc = { start, end, filename, identifierName };
    }
    for (const key of ["leadingComments", "trailingComments", "innerComments"] as const) {
      const comments = (node as t.Node)[key as "leadingComments"];
      if (comments) for (const c of comments) visit(c);
    }
    const keys = VISITOR_KEYS[node.type];
    if (!keys) return;
    for (const key of keys) {
      const child = (node as unknown as Record<string, unknown>)[key];
      if (Array.isArray(child)) {
        for (const c of child) if (c && typeof c.type === "string") visit(c);
      } else if (child && typeof (child as t.Node).type === "string") visit(child as t.Node);
    }
  };
  visit(root);
}
