import type * as t from "@babel/types";
import type { FunctionInfo } from "../analysis/model.js";
import type { CompilerContext, DirectiveFn } from "../context.js";
import { DiagnosticCodes } from "../diagnostics/codes.js";
import { type DirectiveName, suggestDirective } from "../util/directives.js";

function isDirectiveName(value: string): value is DirectiveName {
  return value === "use workflow" || value === "use step";
}

function describe(fn: FunctionInfo): string {
  const name = fn.owner && fn.name ? `${fn.owner}.${fn.name}` : fn.name;
  return name ? `function ${name}` : "this function";
}

/** Reports typos among the directive prologue and misplaced directive strings of one body. */
function checkStrings(
  ctx: CompilerContext,
  directives: t.Directive[],
  stray: t.StringLiteral[],
  where: "module" | "function",
): void {
  for (const d of directives) {
    const suggestion = suggestDirective(d.value.value);
    if (suggestion) reportMisspelled(ctx, d.value.value, suggestion, d.start!, where);
  }
  for (const s of stray) {
    if (isDirectiveName(s.value)) {
      const place = where === "module" ? "the file" : "the function body";
      ctx.diagnostics.report(
        DiagnosticCodes.DIRECTIVE_NOT_FIRST,
        s.start!,
        `"${s.value}" is not at the top of ${place}, so it is an ordinary string and does nothing.`,
        where === "module"
          ? `move "${s.value}" above every import and statement, to the first line of the file`
          : `move "${s.value}" to the first line of the function body`,
      );
    } else {
      const suggestion = suggestDirective(s.value);
      if (suggestion) reportMisspelled(ctx, s.value, suggestion, s.start!, where);
    }
  }
}

function reportMisspelled(
  ctx: CompilerContext,
  value: string,
  suggestion: DirectiveName,
  pos: number,
  where: "module" | "function",
): void {
  ctx.diagnostics.report(
    DiagnosticCodes.DIRECTIVE_MISSPELLED,
    pos,
    `Unknown directive "${value}" at the top of ${where === "module" ? "the file" : "a function"}; it is ignored.`,
    `did you mean "${suggestion}"?`,
  );
}

/**
 * Pass 3: decides which functions are workflows and steps. A directive in a
 * function body wins; otherwise a module-level directive makes every
 * module-level async function a workflow/step. Reports C001–C003.
 */
export function findDirectivesPass(ctx: CompilerContext): void {
  const analysis = ctx.analysis!;
  checkStrings(ctx, analysis.moduleDirectives, analysis.moduleStrayStrings, "module");
  for (const d of analysis.moduleDirectives) {
    if (isDirectiveName(d.value.value) && !ctx.moduleDirective) {
      ctx.moduleDirective = { name: d.value.value, node: d };
    }
  }
  const found: DirectiveFn[] = [];
  for (const fn of analysis.functions) {
    checkStrings(ctx, fn.directives, fn.strayStrings, "function");
    let directive: t.Directive | null = null;
    for (const d of fn.directives) {
      if (isDirectiveName(d.value.value)) {
        directive = d;
        break;
      }
    }
    if (directive) {
      const name = directive.value.value as DirectiveName;
      if (!fn.isAsync) {
        ctx.diagnostics.report(
          DiagnosticCodes.DIRECTIVE_NOT_ASYNC,
          directive.start!,
          `"${name}" marks ${describe(fn)}, which is not async. ${name === "use step" ? "Steps" : "Workflows"} must be async functions.`,
          `add the async keyword: "async ${fn.node.type === "ArrowFunctionExpression" ? "() =>" : "function"} …"`,
        );
        continue;
      }
      found.push(makeDirectiveFn(fn, name === "use workflow" ? "workflow" : "step", directive));
    } else if (ctx.moduleDirective && fn.atModuleLevel && fn.isAsync) {
      found.push(
        makeDirectiveFn(fn, ctx.moduleDirective.name === "use workflow" ? "workflow" : "step", null),
      );
    }
  }
  ctx.directiveFns = found;
}

function makeDirectiveFn(
  fn: FunctionInfo,
  kind: DirectiveFn["kind"],
  directive: t.Directive | null,
): DirectiveFn {
  return {
    fn,
    kind,
    directive,
    enclosing: null,
    inert: false,
    namePath: "",
    id: "",
    exportName: null,
    captures: [],
    capturesInParams: false,
  };
}
