import type { CompilerContext } from "../context.js";
import { registerPrototypeStep } from "../rewrite/classes.js";
import {
  hoistStep,
  isInside,
  register,
  removeDirective,
  removeModuleDirective,
  stubBody,
} from "../rewrite/shared.js";

/**
 * Pass 7 (step mode): step bodies stay and are registered; steps nested in
 * functions are also hoisted to module level so a worker can run them without
 * running the enclosing function; workflows become client stubs.
 */
export function rewriteStepPass(ctx: CompilerContext): void {
  removeModuleDirective(ctx);
  for (const d of ctx.directiveFns) {
    if (d.inert) {
      removeDirective(ctx, d);
      continue;
    }
    if (d.kind === "workflow") {
      stubBody(ctx, d);
      register(ctx, d, "markWorkflow");
      continue;
    }
    if (isInside(d, "workflow")) {
      // The workflow body is replaced by a stub; the step lives on only in its hoisted copy.
      hoistStep(ctx, d);
    } else if (d.fn.parent) {
      // Inside a plain function: keep it there as a plain function, and register a hoisted copy.
      removeDirective(ctx, d);
      hoistStep(ctx, d);
    } else if (!registerPrototypeStep(ctx, d, "registerStep")) {
      removeDirective(ctx, d);
      register(ctx, d, "registerStep");
    }
  }
}
