import type * as t from "@babel/types";
import { VISITOR_KEYS } from "@babel/types";
import type { Binding, BindingKind, FunctionInfo, Ref, Scope } from "./model.js";

export type N = t.Node;
export type AnyNode = N & Record<string, any>;

/** Keys whose children are types, not values. */
const TYPE_KEYS = new Set([
  "typeAnnotation",
  "typeParameters",
  "returnType",
  "superTypeParameters",
  "typeArguments",
  "implements",
]);

/**
 * Scope bookkeeping for the analysis walk: declaring bindings (including
 * patterns), recording references, and walking type annotations, where only
 * names that can refer to imports or declarations matter.
 */
export abstract class ScopeTracker {
  protected scope: Scope = { kind: "module", parent: null, names: new Map() };
  protected readonly moduleScope = this.scope;
  protected fn: FunctionInfo | null = null;
  protected top: t.Statement | null = null;
  protected typeDepth = 0;
  protected readonly refs: Ref[] = [];

  /** Visits a node in value position. */
  protected abstract visit(node: N): void;

  // ---- scopes and bindings -------------------------------------------------

  protected push(kind: Scope["kind"]): Scope {
    this.scope = { kind, parent: this.scope, names: new Map() };
    return this.scope;
  }

  protected pop(scope: Scope): void {
    this.scope = scope.parent!;
  }

  protected declare(id: t.Identifier, kind: BindingKind, scope: Scope, extra?: Partial<Binding>): Binding {
    const b: Binding = {
      name: id.name,
      kind,
      scope,
      start: id.start!,
      statement: scope === this.moduleScope ? this.top : null,
      importDecl: null,
      importSpec: null,
      fn: null,
      refs: [],
      ...extra,
    };
    // Type and value namespaces share a map; a value declaration wins over a type of the same name.
    const prev = scope.names.get(id.name);
    if (!prev || prev.kind === "type") scope.names.set(id.name, b);
    return b;
  }

  protected ref(id: { name: string; start?: number | null }): void {
    this.refs.push({
      name: id.name,
      start: id.start!,
      binding: null,
      scope: this.scope,
      isType: this.typeDepth > 0,
      fn: this.fn,
    });
  }

  protected varScope(): Scope {
    let s = this.scope;
    while (s.kind === "block") s = s.parent!;
    return s;
  }

  /** Declares the identifiers of a binding pattern; defaults and computed keys are values. */
  protected pattern(node: N | null | undefined, kind: BindingKind, scope: Scope): void {
    if (!node) return;
    switch (node.type) {
      case "Identifier":
        this.declare(node, kind, scope);
        this.types(node.typeAnnotation);
        return;
      case "ObjectPattern":
        for (const p of node.properties) {
          if (p.type === "RestElement") this.pattern(p, kind, scope);
          else {
            if (p.computed) this.visit(p.key);
            this.pattern(p.value, kind, scope);
          }
        }
        this.types(node.typeAnnotation);
        return;
      case "ArrayPattern":
        for (const el of node.elements) this.pattern(el, kind, scope);
        this.types(node.typeAnnotation);
        return;
      case "AssignmentPattern":
        this.pattern(node.left, kind, scope);
        this.visit(node.right);
        return;
      case "RestElement":
        this.pattern(node.argument, kind, scope);
        this.types(node.typeAnnotation);
        return;
      case "TSParameterProperty":
        this.visitAll(node.decorators);
        this.pattern(node.parameter, kind, scope);
        return;
      default:
        this.visit(node);
    }
  }

  /** An assignment target: identifiers in it are references (writes), not declarations. */
  protected target(node: N | null | undefined): void {
    if (!node) return;
    switch (node.type) {
      case "ObjectPattern":
        for (const p of node.properties) {
          if (p.type === "RestElement") this.target(p.argument);
          else {
            if (p.computed) this.visit(p.key);
            this.target(p.value);
          }
        }
        return;
      case "ArrayPattern":
        for (const el of node.elements) this.target(el);
        return;
      case "AssignmentPattern":
        this.target(node.left);
        this.visit(node.right);
        return;
      case "RestElement":
        this.target(node.argument);
        return;
      default:
        this.visit(node);
    }
  }

  // ---- generic walk ----------------------------------------------------------------

  protected types(node: N | null | undefined): void {
    if (!node) return;
    this.typeDepth++;
    this.visit(node);
    this.typeDepth--;
  }

  protected visitAll(nodes: ReadonlyArray<N | null> | null | undefined): void {
    if (nodes) for (const n of nodes) if (n) this.visit(n);
  }

  protected children(node: N): void {
    const keys = VISITOR_KEYS[node.type];
    if (!keys) return;
    for (const key of keys) {
      const child = (node as AnyNode)[key];
      if (!child) continue;
      const isType = TYPE_KEYS.has(key);
      if (isType) this.typeDepth++;
      if (Array.isArray(child)) this.visitAll(child);
      else if (typeof child.type === "string") this.visit(child);
      if (isType) this.typeDepth--;
    }
  }

  protected leftmost(node: N): t.Identifier | null {
    let n: N = node;
    while (n.type === "TSQualifiedName") n = n.left;
    while (n.type === "MemberExpression") n = n.object;
    return n.type === "Identifier" ? n : null;
  }

  /** Inside types only names that can refer to imports or declarations matter. */
  protected visitType(node: N): void {
    // A string switch: some heritage node names differ between @babel/types versions.
    const type: string = node.type;
    switch (type) {
      case "Identifier": {
        // A parameter name in a function type; its annotation may still reference types.
        const id = node as t.Identifier;
        if (id.typeAnnotation) this.visit(id.typeAnnotation);
        return;
      }
      case "TSTypeReference": {
        const ref = node as t.TSTypeReference;
        const id = this.leftmost(ref.typeName);
        if (id) this.ref(id);
        if (ref.typeParameters) this.visit(ref.typeParameters);
        return;
      }
      case "TSTypeQuery": {
        const query = node as t.TSTypeQuery;
        const id = query.exprName.type === "TSImportType" ? null : this.leftmost(query.exprName);
        if (id) this.ref(id);
        if (query.typeParameters) this.visit(query.typeParameters);
        return;
      }
      case "TSExpressionWithTypeArguments":
      case "TSInterfaceHeritage":
      case "TSClassImplements": {
        const expr = (node as AnyNode).expression as N;
        const id = this.leftmost(expr);
        if (id) this.ref(id);
        const args = (node as AnyNode).typeParameters ?? (node as AnyNode).typeArguments;
        if (args) this.visit(args);
        return;
      }
      case "TSImportType":
        return;
      default:
        this.children(node);
    }
  }
}
