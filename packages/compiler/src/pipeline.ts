import type { CompilerContext } from "./context.js";
import { analyzePass } from "./passes/analyze.js";
import { assignIdsPass } from "./passes/assignIds.js";
import { captureClosuresPass } from "./passes/captureClosures.js";
import { findDirectivesPass } from "./passes/findDirectives.js";
import { generatePass } from "./passes/generate.js";
import { parsePass } from "./passes/parse.js";
import { pruneImportsPass } from "./passes/pruneImports.js";
import { rewriteClientPass } from "./passes/rewriteClient.js";
import { rewriteStepPass } from "./passes/rewriteStep.js";
import { rewriteWorkflowPass } from "./passes/rewriteWorkflow.js";
import { validatePass } from "./passes/validate.js";
import { registerClassesPass } from "./rewrite/classes.js";

/** One named step of the compilation. Passes communicate only through the context. */
export interface Pass {
  name: string;
  run: (ctx: CompilerContext) => void;
  /** Skips the pass when it returns false. */
  when?: (ctx: CompilerContext) => boolean;
}

const parsed = (ctx: CompilerContext): boolean => ctx.ast !== null;
const hasWork = (ctx: CompilerContext): boolean =>
  ctx.ast !== null && (ctx.directiveFns.length > 0 || ctx.moduleDirective !== null);

/**
 * The passes, in order. Analysis passes only read the AST; rewrite passes
 * only record edits on the original text; `generate` renders them once.
 */
export const PIPELINE: readonly Pass[] = [
  { name: "parse", run: parsePass },
  { name: "analyze", run: analyzePass, when: parsed },
  { name: "findDirectives", run: findDirectivesPass, when: parsed },
  { name: "validate", run: validatePass, when: hasWork },
  { name: "assignIds", run: assignIdsPass, when: hasWork },
  { name: "captureClosures", run: captureClosuresPass, when: hasWork },
  { name: "rewriteClient", run: rewriteClientPass, when: (c) => hasWork(c) && c.options.mode === "client" },
  {
    name: "rewriteWorkflow",
    run: rewriteWorkflowPass,
    when: (c) => hasWork(c) && c.options.mode === "workflow",
  },
  { name: "rewriteStep", run: rewriteStepPass, when: (c) => hasWork(c) && c.options.mode === "step" },
  // Every mode, with or without directives: a file may only declare serializable classes.
  { name: "registerClasses", run: registerClassesPass, when: parsed },
  { name: "pruneImports", run: pruneImportsPass, when: hasWork },
  { name: "generate", run: generatePass },
];

/** Runs {@link PIPELINE} over a prepared context. */
export function runPipeline(ctx: CompilerContext): void {
  for (const pass of PIPELINE) {
    if (!pass.when || pass.when(ctx)) pass.run(ctx);
  }
}
