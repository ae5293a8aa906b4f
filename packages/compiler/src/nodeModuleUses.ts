import type { FunctionInfo } from "./analysis/model.js";
import { type ForbiddenUse, HelperGraph, type Owner } from "./analysis/reach.js";
import { DiagnosticCodes } from "./diagnostics/codes.js";
import { analyzePass } from "./passes/analyze.js";
import { findDirectivesPass } from "./passes/findDirectives.js";
import { parsePass } from "./passes/parse.js";
import { helperFix } from "./passes/validateHelpers.js";
import { createContext } from "./transform.js";
import type { Diagnostic } from "./types.js";

/** Options of {@link nodeModuleDiagnostics}. */
export interface NodeModuleDiagnosticsOptions {
  /** Path of the module (absolute, or relative to `root`). */
  filename: string;
  /** Project root the diagnostics' file paths are relative to. Defaults to `process.cwd()`. */
  root?: string;
  /** How workflow code reaches this module, shown in the message, e.g. `workflows/order.ts → lib/receipts.ts`. */
  reachedFrom: string;
  /** The Node builtins or I/O packages to report (as written in the import); every one when omitted. */
  sources?: readonly string[];
}

/**
 * WF_C008_NODE_MODULE_IN_HELPER diagnostics for a module that workflow code imports from another
 * file: one per export (or module-level code) that uses a Node builtin or an
 * I/O package, directly or through helpers of the module, naming the function
 * to mark `"use step"`. Steps of the module are skipped: they run on the host.
 * A bundler calls it once it knows such a module is in the workflow bundle.
 */
export function nodeModuleDiagnostics(code: string, options: NodeModuleDiagnosticsOptions): Diagnostic[] {
  const ctx = createContext(code, { filename: options.filename, root: options.root, mode: "workflow" });
  parsePass(ctx);
  if (!ctx.ast) return [];
  analyzePass(ctx);
  findDirectivesPass(ctx);
  const graph = new HelperGraph(ctx.analysis!, new Set(ctx.directiveFns.map((d) => d.fn)));
  const wanted = (use: ForbiddenUse): boolean => !options.sources || options.sources.includes(use.source);
  const tail = `workflow code reaches it: ${options.reachedFrom}. Workflow code runs in a sandbox without Node builtins or I/O packages.`;
  const found = new Set<string>();
  const report = (use: ForbiddenUse, text: string, fix: string): void => {
    if (found.has(`${use.source}@${use.start}`)) return;
    found.add(`${use.source}@${use.start}`);
    ctx.diagnostics.report(DiagnosticCodes.NODE_MODULE_IN_HELPER, use.start, text, fix);
  };
  const exportsByLocal = ctx.analysis!.exportsByLocal;
  for (const [name, fn] of graph.helpers) {
    const exported = fn.exportedAs ?? exportsByLocal.get(name);
    if (!exported) continue;
    for (const { use, chain } of usesFrom(graph, fn, [name])) {
      if (!wanted(use)) continue;
      const via = chain.length > 1 ? ` (through ${chain.slice(1).join(" → ")})` : "";
      report(use, `${name} in ${ctx.file}${via} uses ${describeUse(use)}, and ${tail}`, helperFix(fn));
    }
  }
  for (const { use } of usesFrom(graph, "module", [])) {
    if (!wanted(use)) continue;
    report(
      use,
      `${ctx.file} uses ${describeUse(use)} at module level, which runs when workflow code loads the file; ${tail}`,
      `move that code into an async function marked "use step", or keep ${ctx.file} out of the files workflow code imports`,
    );
  }
  // What the graph cannot see, such as `export { readFile } from "node:fs"`: point at the import.
  for (const source of options.sources ?? []) {
    if ([...found].some((key) => key.startsWith(`${source}@`))) continue;
    const decl = ctx.ast.program.body.find(
      (s) =>
        (s.type === "ImportDeclaration" ||
          s.type === "ExportNamedDeclaration" ||
          s.type === "ExportAllDeclaration") &&
        s.source?.value === source,
    );
    ctx.diagnostics.report(
      DiagnosticCodes.NODE_MODULE_IN_HELPER,
      decl?.start ?? 0,
      `${ctx.file} imports "${source}", and ${tail}`,
      `use "${source}" only inside async functions marked "use step"`,
    );
  }
  return ctx.diagnostics.sorted();
}

function describeUse(use: ForbiddenUse): string {
  return use.local.startsWith("import(") ? use.local : `${use.local} from "${use.source}"`;
}

/** `owner`'s own uses, then those of every helper it reaches, each with the chain of names. */
function usesFrom(
  graph: HelperGraph,
  owner: Owner,
  start: string[],
): Array<{ use: ForbiddenUse; chain: string[] }> {
  const out = graph.usesOf(owner).map((use) => ({ use, chain: start }));
  for (const { helper, chain } of graph.reachable(owner)) {
    for (const use of graph.usesOf(helper as FunctionInfo)) out.push({ use, chain: [...start, ...chain] });
  }
  return out;
}
