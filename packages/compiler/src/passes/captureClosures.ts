import type { FunctionInfo } from "../analysis/model.js";
import type { CompilerContext } from "../context.js";

/**
 * Pass 6: for every step declared inside another function, the outer local
 * variables it reads. They are passed by value at call time: the workflow
 * side builds `() => ({ a, b })`, the step side reads `__wf.stepClosure()`.
 * Module-level bindings and globals are not captured: the hoisted step sees
 * them directly.
 */
export function captureClosuresPass(ctx: CompilerContext): void {
  const analysis = ctx.analysis!;
  const stepFns = new Set<FunctionInfo>();
  for (const d of ctx.directiveFns) if (d.kind === "step") stepFns.add(d.fn);
  for (const d of ctx.directiveFns) {
    if (d.kind !== "step" || d.inert || !d.fn.parent) continue;
    const start = d.fn.node.start!;
    const end = d.fn.node.end!;
    const bodyStart = d.fn.node.body.start!;
    const names = new Set<string>();
    for (const ref of analysis.refs) {
      if (ref.start < start || ref.start >= end || ref.isType) continue;
      const b = ref.binding;
      if (!b || b.scope === analysis.moduleScope) continue;
      if (b.start >= start && b.start < end) continue;
      if (b.kind === "type" || b.kind === "namespace") continue;
      // Another step is not a value that can travel; the step side cannot receive it.
      if (b.fn && stepFns.has(b.fn)) continue;
      names.add(b.name);
      if (ref.start < bodyStart) d.capturesInParams = true;
    }
    d.captures = [...names].sort();
  }
}
