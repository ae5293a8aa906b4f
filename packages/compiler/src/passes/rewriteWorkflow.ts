import type { CompilerContext } from "../context.js";
import { proxyPrototypeStep } from "../rewrite/classes.js";
import {
  isInside,
  proxyExpression,
  register,
  removeDirective,
  removeModuleDirective,
  replaceWithProxy,
} from "../rewrite/shared.js";

/**
 * Pass 7 (workflow mode): workflow bodies stay and are registered; every step
 * is replaced by a `stepProxy`, so no step body (nor what it imports) reaches
 * the sandbox.
 */
export function rewriteWorkflowPass(ctx: CompilerContext): void {
  removeModuleDirective(ctx);
  for (const d of ctx.directiveFns) {
    // Anything inside a step goes away with the step.
    if (d.inert || isInside(d, "step")) continue;
    if (d.kind === "workflow") {
      removeDirective(ctx, d);
      register(ctx, d, "registerWorkflow");
    } else if (!proxyPrototypeStep(ctx, d, proxyExpression(d))) {
      replaceWithProxy(ctx, d);
    }
  }
}
