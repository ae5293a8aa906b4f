import type * as t from "@babel/types";
import type { AnyFunction } from "../analysis/model.js";
import type { CompilerContext, DirectiveFn } from "../context.js";
import type { Piece } from "../edit/editList.js";
import { indentAt, leadingLineStart, removalRange, statementRemovalRange } from "../util/text.js";

// Building blocks shared by the three rewrite passes. Every rewrite is a
// splice of the original text: bodies are kept verbatim (TypeScript and all),
// only the heads and tails of functions change. See
// docs/internals/compiled-output.md for the shapes produced here.

const RESERVED = new Set(
  "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await async".split(
    " ",
  ),
);

const q = JSON.stringify;

/** `true` when some workflow/step around `d` has kind `kind`. */
export function isInside(d: DirectiveFn, kind: DirectiveFn["kind"]): boolean {
  for (let e = d.enclosing; e; e = e.enclosing) if (e.kind === kind) return true;
  return false;
}

/** Deletes the `"use workflow"` / `"use step"` line of a function. */
export function removeDirective(ctx: CompilerContext, d: DirectiveFn): void {
  if (!d.directive) return;
  const [s, e] = removalRange(ctx.code, d.directive.start!, d.directive.end!);
  ctx.edits.remove(s, e);
}

/** Deletes a module-level directive (the functions it marked are rewritten one by one). */
export function removeModuleDirective(ctx: CompilerContext): void {
  const node = ctx.moduleDirective?.node;
  if (!node) return;
  let [s, e] = removalRange(ctx.code, node.start!, node.end!);
  // The blank line that usually separates the directive from the imports goes with it.
  if (ctx.code.charCodeAt(e) === 10 && (s === 0 || ctx.code.charCodeAt(s - 1) === 10)) e++;
  ctx.edits.remove(s, e);
}

/** Client-side stub body: calling the workflow like a plain function is a mistake. */
export function stubBody(ctx: CompilerContext, d: DirectiveFn): void {
  const body = d.fn.node.body;
  let start = body.start!;
  let end = body.end!;
  // An expression-bodied arrow made a workflow by the module directive: `async () => (expr)`.
  const extra = body.extra as { parenthesized?: boolean; parenStart?: number } | undefined;
  if (extra?.parenthesized && extra.parenStart !== undefined) {
    start = extra.parenStart;
    end = ctx.code.indexOf(")", end) + 1;
  }
  const indent = indentAt(ctx.code, d.fn.node.start!);
  ctx.edits.replace(start, end, `{\n${indent}  throw __wf.workflowCalledDirectly(${q(d.id)});\n${indent}}`);
}

/** The parts of a method head needed to turn it into a property or class field. */
interface MethodHead {
  /** Where `async`/modifiers start (after decorators). */
  headStart: number;
  /** Start of the key, including the `[` of a computed key. */
  keyStart: number;
  /** End of the key, including the `]` of a computed key. */
  keyEnd: number;
  /** A name usable after `function`, or "". */
  fnName: string;
  /** For class members: `static `, `private `… to keep the field's staticness and visibility. */
  modifiers: string;
}

function methodHead(
  ctx: CompilerContext,
  node: t.ObjectMethod | t.ClassMethod | t.ClassPrivateMethod,
): MethodHead {
  const code = ctx.code;
  const key = node.key;
  const computed = node.type !== "ClassPrivateMethod" && node.computed;
  let keyStart = key.start!;
  let keyEnd = key.end!;
  if (computed) {
    keyStart = code.lastIndexOf("[", key.start!);
    keyEnd = code.indexOf("]", key.end!) + 1;
  }
  let headStart = node.start!;
  const decorators = node.decorators;
  if (decorators?.length) {
    headStart = decorators[decorators.length - 1].end!;
    while (/\s/.test(code[headStart])) headStart++;
  }
  let fnName = "";
  if (!computed) {
    const raw = key.type === "PrivateName" ? key.id.name : key.type === "Identifier" ? key.name : null;
    const str = key.type === "StringLiteral" ? key.value : raw;
    if (str && /^[A-Za-z_$][\w$]*$/.test(str) && !RESERVED.has(str)) fnName = str;
  }
  let modifiers = "";
  if (node.type !== "ObjectMethod") {
    if (node.type === "ClassMethod" && node.accessibility) modifiers += `${node.accessibility} `;
    if (node.static) modifiers += "static ";
    if (node.type === "ClassMethod" && node.override) modifiers += "override ";
  }
  return { headStart, keyStart, keyEnd, fnName, modifiers };
}

function isMethod(node: AnyFunction): node is t.ObjectMethod | t.ClassMethod | t.ClassPrivateMethod {
  return node.type === "ObjectMethod" || node.type === "ClassMethod" || node.type === "ClassPrivateMethod";
}

/**
 * Replaces a method head (`static async charge`) with a property or field head
 * followed by `value` (`static charge = value`). The key stays a copy of the
 * original text, so references in a computed key stay visible to pruning.
 */
function replaceHead(
  ctx: CompilerContext,
  node: AnyFunction,
  head: MethodHead,
  end: number,
  value: string,
): void {
  const assign = node.type === "ObjectMethod" ? ": " : " = ";
  ctx.edits.replace(head.headStart, end, [head.modifiers, [head.keyStart, head.keyEnd], assign, value]);
}

/** `async function name` or `async function* name`, for a method turned into a function expression. */
function functionKeyword(node: AnyFunction, name: string): string {
  return `async function${node.generator ? "*" : ""} ${name}`;
}

/**
 * Tags a kept function with its id through `__wf.<callee>(fn, id)`: a statement
 * after a named declaration (keeps hoisting and the binding), a wrapper call
 * around expressions, and a property/field for methods.
 */
export function register(ctx: CompilerContext, d: DirectiveFn, callee: string): void {
  const node = d.fn.node;
  const code = ctx.code;
  if (isMethod(node)) {
    const head = methodHead(ctx, node);
    replaceHead(ctx, node, head, head.keyEnd, `__wf.${callee}(${functionKeyword(node, head.fnName)}`);
    const semi = node.type === "ObjectMethod" ? "" : ";";
    ctx.edits.insert(node.end!, `, ${q(d.id)})${semi}`, "after-previous");
    return;
  }
  if (node.type === "FunctionDeclaration" && node.id) {
    const stmt = d.fn.declStatement ?? node;
    const indent = indentAt(code, stmt.start!);
    ctx.edits.insert(stmt.end!, `\n${indent}__wf.${callee}(${node.id.name}, ${q(d.id)});`, "after-previous");
    return;
  }
  // Expressions, arrows and `export default async function () {}`: wrap in place.
  ctx.edits.insert(node.start!, `__wf.${callee}(`, "before-next");
  const semi = node.type === "FunctionDeclaration" ? ";" : "";
  ctx.edits.insert(node.end!, `, ${q(d.id)})${semi}`, "after-previous");
}

/** `__wf.stepProxy(id, name[, closure])`. */
export function proxyExpression(d: DirectiveFn): string {
  const closure = d.captures.length > 0 ? `, () => ({ ${d.captures.join(", ")} })` : "";
  return `__wf.stepProxy(${q(d.id)}, ${q(d.namePath)}${closure})`;
}

/** Workflow mode: replaces a whole step function (body and all) with its proxy. */
export function replaceWithProxy(ctx: CompilerContext, d: DirectiveFn): void {
  const node = d.fn.node;
  const code = ctx.code;
  const proxy = proxyExpression(d);
  if (isMethod(node)) {
    const head = methodHead(ctx, node);
    replaceHead(ctx, node, head, node.end!, `${proxy}${node.type === "ObjectMethod" ? "" : ";"}`);
    return;
  }
  if (node.type !== "FunctionDeclaration") {
    ctx.edits.replace(node.start!, node.end!, proxy);
    return;
  }
  const stmt = d.fn.declStatement ?? node;
  const name = node.id?.name;
  if (!name) {
    // `export default async function () { "use step" }`
    ctx.edits.replace(node.start!, node.end!, `${proxy};`);
    return;
  }
  if (d.fn.atModuleLevel) {
    let text = `var ${name} = ${proxy};`;
    if (stmt.type === "ExportNamedDeclaration") text = `export ${text}`;
    else if (stmt.type === "ExportDefaultDeclaration") text = `${text}\nexport default ${name};`;
    ctx.edits.replace(stmt.start!, stmt.end!, text);
    return;
  }
  // A nested declaration: the proxy becomes a `const` at the top of the block, where
  // the declaration was hoisted to, so calls that precede it in source still work.
  const [s, e] = statementRemovalRange(code, stmt.start!, stmt.end!);
  ctx.edits.remove(s, e);
  const container = d.fn.container as t.Node & { body?: unknown; consequent?: t.Statement[] };
  const list = (Array.isArray(container?.body) ? container.body : container?.consequent) as
    | t.Statement[]
    | undefined;
  const first = list?.[0] ?? stmt;
  const at = leadingLineStart(code, first.start!);
  const text = `const ${name} = ${proxy};`;
  ctx.edits.insert(
    at,
    at === first.start! ? `${text} ` : `${indentAt(code, first.start!)}${text}\n`,
    "before-next",
  );
}

/**
 * Step mode, nested steps: a module-level copy of the step, registered under
 * its id, whose first statement unpacks the captured variables.
 */
export function hoistStep(ctx: CompilerContext, d: DirectiveFn): void {
  const node = d.fn.node;
  const directive = d.directive!;
  const pieces: Piece[] = ["__wf.registerStep("];
  let from = node.start!;
  if (isMethod(node)) {
    const head = methodHead(ctx, node);
    pieces.push(functionKeyword(node, head.fnName));
    from = head.keyEnd;
  }
  const unpack = `const { ${d.captures.join(", ")} } = __wf.stepClosure();`;
  if (d.capturesInParams) {
    // Parameter defaults run before the body, so unpack in a wrapper and call the original inside it.
    const [s, e] = removalRange(ctx.code, directive.start!, directive.end!);
    const name = isMethod(node) ? "" : (d.fn.name ?? "");
    pieces[0] = `__wf.registerStep(async function ${/^[A-Za-z_$][\w$]*$/.test(name) ? name : ""}(...args) { ${unpack} return (`;
    pieces.push([from, s], [e, node.end!], ")(...args); }");
  } else if (d.captures.length > 0) {
    pieces.push([from, directive.start!], unpack, [directive.end!, node.end!]);
  } else {
    const [s, e] = removalRange(ctx.code, directive.start!, directive.end!);
    pieces.push([from, s], [e, node.end!]);
  }
  pieces.push(`, ${q(d.id)});`);
  ctx.edits.insert(d.fn.topStatement.end!, ["\n", ...pieces], "after-previous");
}
