import { analyzeProgram } from "../analysis/walker.js";
import type { CompilerContext } from "../context.js";

/** Pass 2: one walk over the AST collecting functions, bindings and references. */
export function analyzePass(ctx: CompilerContext): void {
  ctx.analysis = analyzeProgram(ctx.ast!.program);
}
