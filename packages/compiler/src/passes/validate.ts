import type * as t from "@babel/types";
import type { FunctionInfo } from "../analysis/model.js";
import type { CompilerContext, DirectiveFn } from "../context.js";
import { DiagnosticCodes } from "../diagnostics/codes.js";
import { forbiddenInWorkflow } from "../util/nodeModules.js";
import { checkHelpers } from "./validateHelpers.js";

/** The innermost workflow/step around `fn` (exclusive), by walking the function chain. */
function enclosingDirectiveFn(
  fn: FunctionInfo | null,
  byFn: Map<FunctionInfo, DirectiveFn>,
): DirectiveFn | null {
  for (let f = fn; f; f = f.parent) {
    const d = byFn.get(f);
    if (d) return d;
  }
  return null;
}

/**
 * Pass 4: rules about where workflows and steps may appear and what workflow
 * code may touch (C004–C007). Offending directives are dropped so the rest of
 * the file still compiles (best-effort output alongside the diagnostics).
 */
export function validatePass(ctx: CompilerContext): void {
  const byFn = new Map<FunctionInfo, DirectiveFn>();
  const kept: DirectiveFn[] = [];
  // `functions` is in pre-order, so every enclosing function is settled before its children.
  for (const d of ctx.directiveFns) {
    const outer = enclosingDirectiveFn(d.fn.parent, byFn);
    if (d.kind === "workflow" && outer) {
      ctx.diagnostics.report(
        DiagnosticCodes.NESTED_WORKFLOW,
        (d.directive ?? d.fn.node).start!,
        `A workflow cannot be declared inside ${outer.kind === "workflow" ? "another workflow" : "a step"} (${outer.fn.name ?? "anonymous"}); "use workflow" is ignored here.`,
        "move the inner workflow to module level and start it with start(), or make it a step",
      );
      continue;
    }
    if (d.kind === "step" && outer?.kind === "step") {
      ctx.diagnostics.report(
        DiagnosticCodes.STEP_IN_STEP,
        (d.directive ?? d.fn.node).start!,
        `A step inside step ${outer.fn.name ?? "anonymous"} runs inline as part of that step; "use step" has no effect here.`,
        'remove the inner "use step", or move the function out of the step',
      );
      d.inert = true;
    }
    d.enclosing = outer;
    byFn.set(d.fn, d);
    kept.push(d);
  }
  ctx.directiveFns = kept;
  checkNodeModules(ctx, byFn);
  checkHelpers(ctx, byFn);
  if (ctx.moduleDirective?.name === "use step") checkStepModuleExports(ctx, byFn);
}

/** C005: a Node builtin or I/O package used by workflow code itself (not by its steps). */
function checkNodeModules(ctx: CompilerContext, byFn: Map<FunctionInfo, DirectiveFn>): void {
  const analysis = ctx.analysis!;
  const reported = new Set<string>();
  const report = (source: string, pos: number, inFn: FunctionInfo | null): void => {
    const owner = enclosingDirectiveFn(inFn, byFn);
    if (owner?.kind !== "workflow" || owner.inert) return;
    const key = `${source}@${owner.fn.node.start}`;
    if (reported.has(key)) return;
    reported.add(key);
    const name = owner.fn.name ?? "anonymous";
    ctx.diagnostics.report(
      DiagnosticCodes.NODE_MODULE_IN_WORKFLOW,
      pos,
      `Workflow ${name} uses "${source}", which does I/O and cannot run in the deterministic workflow sandbox.`,
      `move the code that uses "${source}" into a "use step" function and call that step from the workflow`,
    );
  };
  for (const ref of analysis.refs) {
    const b = ref.binding;
    if (b?.kind !== "import" || !b.importDecl || ref.isType) continue;
    if (b.importDecl.importKind === "type") continue;
    const source = forbiddenInWorkflow(b.importDecl.source.value);
    if (source) report(source, ref.start, ref.fn);
  }
  for (const imp of analysis.dynamicImports) {
    const source = forbiddenInWorkflow(imp.source);
    if (source) report(source, imp.start, imp.fn);
  }
}

/** C006: everything a `"use step"` module exports must be an async function (a step). */
function checkStepModuleExports(ctx: CompilerContext, byFn: Map<FunctionInfo, DirectiveFn>): void {
  const program = ctx.ast!.program;
  const stepNodes = new Set<t.Node>();
  const stepBindings = new Set<string>();
  for (const [fn, d] of byFn) {
    if (d.kind !== "step") continue;
    stepNodes.add(fn.node);
    if (fn.bindingName) stepBindings.add(fn.bindingName);
  }
  const bad = (node: t.Node, what: string): void => {
    ctx.diagnostics.report(
      DiagnosticCodes.STEP_MODULE_NON_ASYNC_EXPORT,
      node.start!,
      `This "use step" module exports ${what}. Every export of a "use step" module must be an async function.`,
      `make it an async function, or move it to a module without "use step"`,
    );
  };
  const isStep = (n: t.Node | null | undefined): boolean => !!n && stepNodes.has(n);
  for (const stmt of program.body) {
    if (stmt.type === "ExportDefaultDeclaration") {
      const d = stmt.declaration;
      if (d.type === "Identifier") {
        if (!stepBindings.has(d.name) && !isTypeOnly(ctx, d.name))
          bad(stmt, `"${d.name}", which is not an async function`);
      } else if (!isStep(d) && d.type !== "TSDeclareFunction") {
        bad(stmt, "a default value that is not an async function");
      }
      continue;
    }
    if (stmt.type !== "ExportNamedDeclaration" || stmt.exportKind === "type") continue;
    const decl = stmt.declaration;
    if (decl) {
      switch (decl.type) {
        case "FunctionDeclaration":
          if (!isStep(decl)) bad(stmt, `function ${decl.id?.name ?? ""}, which is not async`);
          break;
        case "VariableDeclaration":
          for (const v of decl.declarations) {
            if (!isStep(v.init))
              bad(
                v,
                `"${v.id.type === "Identifier" ? v.id.name : "a value"}", which is not an async function`,
              );
          }
          break;
        case "ClassDeclaration":
          bad(stmt, `class ${decl.id?.name ?? ""}`);
          break;
        case "TSEnumDeclaration":
          bad(stmt, `enum ${decl.id.name}`);
          break;
        default:
        // Types, interfaces and `declare` forms vanish at runtime.
      }
      continue;
    }
    if (stmt.source) continue;
    for (const spec of stmt.specifiers) {
      if (spec.type !== "ExportSpecifier" || spec.exportKind === "type") continue;
      const local = spec.local.name;
      if (!stepBindings.has(local) && !isTypeOnly(ctx, local))
        bad(spec, `"${local}", which is not an async function`);
    }
  }
}

function isTypeOnly(ctx: CompilerContext, name: string): boolean {
  const b = ctx.analysis!.moduleScope.names.get(name);
  return !!b && (b.kind === "type" || (b.kind === "import" && b.importDecl?.importKind === "type"));
}
