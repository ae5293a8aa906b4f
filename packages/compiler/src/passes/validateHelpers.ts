import type { FunctionInfo } from "../analysis/model.js";
import { HelperGraph } from "../analysis/reach.js";
import type { CompilerContext, DirectiveFn } from "../context.js";
import { DiagnosticCodes } from "../diagnostics/codes.js";

/** What to tell the user to do with `helper`: make it a step. */
export function helperFix(helper: FunctionInfo): string {
  const name = helper.bindingName ?? helper.name ?? "the helper";
  return helper.isAsync
    ? `add "use step" as the first statement of ${name}: it then runs on the host as a step (retried on failure), and the workflow awaits its result`
    : `make ${name} an async function with "use step" as its first statement, and await it from the workflow: it then runs on the host as a step`;
}

/**
 * C008: a workflow calls a helper of the same file (directly or through other
 * helpers) that uses a Node builtin or an I/O package. At run time this is a
 * `TypeError` deep in the bundle; here it names the helper and the fix.
 * Uses in the workflow's own body are C005's.
 */
export function checkHelpers(ctx: CompilerContext, byFn: Map<FunctionInfo, DirectiveFn>): void {
  const graph = new HelperGraph(ctx.analysis!, new Set(byFn.keys()));
  for (const d of ctx.directiveFns) {
    if (d.kind !== "workflow" || d.inert) continue;
    const workflow = d.fn.name ?? "anonymous";
    for (const { helper, chain } of graph.reachable(d.fn)) {
      const seen = new Set<string>();
      for (const use of graph.usesOf(helper)) {
        if (seen.has(use.source)) continue;
        seen.add(use.source);
        const what = use.local.startsWith("import(") ? use.local : `${use.local} from "${use.source}"`;
        ctx.diagnostics.report(
          DiagnosticCodes.NODE_MODULE_IN_HELPER,
          use.start,
          `Workflow ${workflow} calls ${chain.join(" → ")}, which uses ${what}; workflow code runs in a sandbox without Node builtins or I/O packages.`,
          helperFix(helper),
        );
      }
    }
  }
}
