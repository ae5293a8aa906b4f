import type * as t from "@babel/types";
import type { CompilerContext, DirectiveFn } from "../context.js";
import { indentAt, removalRange, statementRemovalRange } from "../util/text.js";

// Classes whose values cross between workflow and step code: the ones with the
// `@workflow/serde` static methods (`[Symbol.for("workflow-serialize")]` and
// `[Symbol.for("workflow-deserialize")]`) and the ones with step methods (a static
// step's `this` is the class; an instance step's `this` is an instance). Each is
// registered under `class//<file>//<Name>` in every mode, so every realm finds it
// by that id. Instance-method steps live on the prototype, so a step body is
// registered once, not per instance.

const q = JSON.stringify;

/** A class declared at module level with a name, and the statement that declares it. */
export interface TopClass {
  name: string;
  node: t.Class;
  statement: t.Statement;
}

/** The named module-level classes: `class A {}`, `export class A {}`, `const A = class {}`. */
export function topClasses(ctx: CompilerContext): TopClass[] {
  const out: TopClass[] = [];
  for (const statement of ctx.ast!.program.body) {
    const decl =
      statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration"
        ? statement.declaration
        : statement;
    if (!decl) continue;
    if (decl.type === "ClassDeclaration" && decl.id) {
      out.push({ name: decl.id.name, node: decl, statement });
    } else if (decl.type === "VariableDeclaration") {
      for (const d of decl.declarations) {
        if (d.id.type === "Identifier" && d.init?.type === "ClassExpression")
          out.push({ name: d.id.name, node: d.init, statement });
      }
    }
  }
  return out;
}

function isSymbolFor(node: t.Node, key: string): boolean {
  return (
    node.type === "CallExpression" &&
    node.callee.type === "MemberExpression" &&
    node.callee.object.type === "Identifier" &&
    node.callee.object.name === "Symbol" &&
    node.callee.property.type === "Identifier" &&
    node.callee.property.name === "for" &&
    node.arguments.length === 1 &&
    node.arguments[0].type === "StringLiteral" &&
    node.arguments[0].value === key
  );
}

/**
 * `true` for a computed key naming the peer's serialize symbol: `Symbol.for("workflow-serialize")`,
 * `WORKFLOW_SERIALIZE` (imported from `@workflow/serde`, or any binding of that name),
 * `serde.WORKFLOW_SERIALIZE`, or a module-level const initialised with the `Symbol.for` call.
 */
function isSerializeKey(ctx: CompilerContext, key: t.Node): boolean {
  if (isSymbolFor(key, "workflow-serialize")) return true;
  if (key.type === "MemberExpression" && key.property.type === "Identifier")
    return key.property.name === "WORKFLOW_SERIALIZE";
  if (key.type !== "Identifier") return false;
  if (key.name === "WORKFLOW_SERIALIZE") return true;
  const binding = ctx.analysis!.moduleScope.names.get(key.name);
  if (binding?.kind === "import" && binding.importSpec?.type === "ImportSpecifier") {
    const imported = binding.importSpec.imported;
    return (imported.type === "Identifier" ? imported.name : imported.value) === "WORKFLOW_SERIALIZE";
  }
  if (binding?.kind === "const" && binding.statement?.type === "VariableDeclaration") {
    for (const d of binding.statement.declarations) {
      if (d.id.type === "Identifier" && d.id.name === key.name && d.init)
        return isSymbolFor(d.init, "workflow-serialize");
    }
  }
  return false;
}

/** `true` when the class has a static `workflow-serialize` member. */
export function hasSerializer(ctx: CompilerContext, node: t.Class): boolean {
  return node.body.body.some(
    (m) =>
      (m.type === "ClassMethod" || m.type === "ClassProperty") &&
      m.static &&
      m.computed &&
      isSerializeKey(ctx, m.key),
  );
}

/** The class a step method belongs to, when it is a named module-level class (else `null`). */
function classOf(ctx: CompilerContext, d: DirectiveFn): TopClass | null {
  if (d.fn.form !== "classMethod" || d.fn.parent) return null;
  return (
    topClasses(ctx).find(
      (c) => c.statement === d.fn.topStatement && c.node.body.body.includes(d.fn.node as never),
    ) ?? null
  );
}

/**
 * An instance-method step (`async run() { "use step" }` in a named module-level class):
 * kept on the prototype. Private `#names` are not reachable from outside the class and
 * keep the field form.
 */
export function prototypeStep(
  ctx: CompilerContext,
  d: DirectiveFn,
): { cls: TopClass; member: string } | null {
  const node = d.fn.node;
  if (node.type !== "ClassMethod" || node.static || node.kind !== "method") return null;
  const cls = classOf(ctx, d);
  if (!cls) return null;
  const key = node.key;
  const name = node.computed
    ? key.type === "StringLiteral"
      ? key.value
      : null
    : key.type === "Identifier"
      ? key.name
      : key.type === "StringLiteral"
        ? key.value
        : null;
  return name === null ? null : { cls, member: name };
}

/** Inserts a statement after the module-level statement that declares `cls`. */
function after(ctx: CompilerContext, cls: TopClass, text: string): void {
  const indent = indentAt(ctx.code, cls.statement.start!);
  ctx.edits.insert(cls.statement.end!, `\n${indent}${text}`, "after-previous");
}

/**
 * Step and client mode: the method stays in the class (directive removed) and its
 * prototype function is registered (`registerStep`) or tagged (`markStep`).
 */
export function registerPrototypeStep(ctx: CompilerContext, d: DirectiveFn, callee: string): boolean {
  const target = prototypeStep(ctx, d);
  if (!target) return false;
  if (d.directive) {
    const [s, e] = removalRange(ctx.code, d.directive.start!, d.directive.end!);
    ctx.edits.remove(s, e);
  }
  after(ctx, target.cls, `__wf.${callee}(${target.cls.name}.prototype[${q(target.member)}], ${q(d.id)});`);
  return true;
}

/** Workflow mode: the method leaves the class and its proxy takes its place on the prototype. */
export function proxyPrototypeStep(ctx: CompilerContext, d: DirectiveFn, proxy: string): boolean {
  const target = prototypeStep(ctx, d);
  if (!target) return false;
  const node = d.fn.node;
  let start = node.start!;
  const decorators = (node as t.ClassMethod).decorators;
  if (decorators?.length) start = decorators[0].start!;
  const [s, e] = statementRemovalRange(ctx.code, start, node.end!);
  ctx.edits.remove(s, e);
  after(ctx, target.cls, `${target.cls.name}.prototype[${q(target.member)}] = ${proxy};`);
  return true;
}

/**
 * Every mode: `__wf.registerClass(Name, "class//<file>//Name")` after each named
 * module-level class that has a serializer or a step method.
 */
export function registerClassesPass(ctx: CompilerContext): void {
  const stepMethods = new Set<t.Node>(
    ctx.directiveFns
      .filter((d) => d.kind === "step" && !d.inert && d.fn.form === "classMethod" && !d.fn.parent)
      .map((d) => d.fn.node),
  );
  for (const cls of topClasses(ctx)) {
    const hasStep = cls.node.body.body.some((m) => stepMethods.has(m));
    if (!hasStep && !hasSerializer(ctx, cls.node)) continue;
    after(ctx, cls, `__wf.registerClass(${cls.name}, ${q(`class//${ctx.idFile}//${cls.name}`)});`);
  }
}
