import type { CompilerContext } from "../context.js";
import { registerPrototypeStep } from "../rewrite/classes.js";
import { isInside, register, removeDirective, removeModuleDirective, stubBody } from "../rewrite/shared.js";

/**
 * Pass 7 (client mode): workflows become stubs that throw when called and
 * carry `workflowId` for `start()`; steps stay callable and carry `stepId`.
 */
export function rewriteClientPass(ctx: CompilerContext): void {
  removeModuleDirective(ctx);
  for (const d of ctx.directiveFns) {
    // Everything inside a workflow body disappears with the body.
    if (isInside(d, "workflow")) continue;
    if (d.inert) {
      removeDirective(ctx, d);
      continue;
    }
    if (d.kind === "workflow") {
      stubBody(ctx, d);
      register(ctx, d, "markWorkflow");
    } else if (!registerPrototypeStep(ctx, d, "markStep")) {
      removeDirective(ctx, d);
      // Only tagged: app code must not replace the bodies the step bundle registered.
      register(ctx, d, "markStep");
    }
  }
}
