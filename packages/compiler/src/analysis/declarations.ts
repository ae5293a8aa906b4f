import type * as t from "@babel/types";
import type { AnyFunction, BindingKind, DynamicImport, FunctionForm, FunctionInfo } from "./model.js";
import { type AnyNode, type N, ScopeTracker } from "./scopeTracker.js";

/** Where a function expression sits, to name it and to know its module-level role. */
export interface Site {
  name: string | null;
  owner: string | null;
  form: FunctionForm;
  isStatic: boolean;
  exportedAs: string | null;
  bindingName: string | null;
  atModuleLevel: boolean;
  declStatement: t.Statement | null;
}

export const PLAIN_SITE: Site = {
  name: null,
  owner: null,
  form: "expression",
  isStatic: false,
  exportedAs: null,
  bindingName: null,
  atModuleLevel: false,
  declStatement: null,
};

function keyName(key: N, computed: boolean): string | null {
  if (computed) return null;
  if (key.type === "Identifier") return key.name;
  if (key.type === "StringLiteral") return key.value;
  if (key.type === "NumericLiteral") return String(key.value);
  if (key.type === "PrivateName") return `#${key.id.name}`;
  return null;
}

export function isFunctionNode(
  n: N | null | undefined,
): n is t.FunctionExpression | t.ArrowFunctionExpression {
  return !!n && (n.type === "FunctionExpression" || n.type === "ArrowFunctionExpression");
}

/**
 * The declaration half of the analysis walk: statements, functions, classes
 * and object literals, which is where names, exports and directives come from.
 */
export abstract class DeclarationWalker extends ScopeTracker {
  protected block: N | null = null;
  protected readonly functions: FunctionInfo[] = [];
  protected readonly dynamicImports: DynamicImport[] = [];
  protected readonly exportsByLocal = new Map<string, string>();

  // ---- statements ------------------------------------------------------------

  /** A statement; `exportedAs` is set when it is the declaration of an inline export. */
  protected statement(
    node: t.Statement,
    exportWrapper: t.ExportNamedDeclaration | t.ExportDefaultDeclaration | null,
  ): void {
    switch (node.type) {
      case "ImportDeclaration":
        for (const spec of node.specifiers) {
          this.declare(spec.local, "import", this.moduleScope, { importDecl: node, importSpec: spec });
        }
        return;
      case "ExportNamedDeclaration":
        if (node.declaration) this.statement(node.declaration, node);
        else if (!node.source) {
          for (const spec of node.specifiers) {
            if (spec.type !== "ExportSpecifier") continue;
            const exported = spec.exported.type === "Identifier" ? spec.exported.name : spec.exported.value;
            if (!this.exportsByLocal.has(spec.local.name)) this.exportsByLocal.set(spec.local.name, exported);
            this.typeDepth += node.exportKind === "type" || spec.exportKind === "type" ? 1 : 0;
            this.ref(spec.local);
            this.typeDepth -= node.exportKind === "type" || spec.exportKind === "type" ? 1 : 0;
          }
        }
        return;
      case "ExportDefaultDeclaration": {
        const d = node.declaration;
        if (d.type === "FunctionDeclaration" || d.type === "ClassDeclaration") this.statement(d, node);
        else if (d.type === "TSDeclareFunction") this.statement(d, node);
        else if (d.type === "Identifier") {
          if (!this.exportsByLocal.has(d.name)) this.exportsByLocal.set(d.name, "default");
          this.ref(d);
        } else {
          this.expression(d, {
            ...PLAIN_SITE,
            name: null,
            exportedAs: "default",
            atModuleLevel: true,
            declStatement: node,
          });
        }
        return;
      }
      case "ExportAllDeclaration":
        return;
      case "FunctionDeclaration": {
        const exportedAs = exportWrapper
          ? exportWrapper.type === "ExportDefaultDeclaration"
            ? "default"
            : (node.id?.name ?? null)
          : null;
        const atModuleLevel = this.fn === null && this.block?.type === "Program";
        const info = this.func(node, {
          name: node.id?.name ?? (exportedAs === "default" ? null : null),
          owner: null,
          form: "declaration",
          isStatic: false,
          exportedAs,
          bindingName: atModuleLevel ? (node.id?.name ?? null) : null,
          atModuleLevel,
          declStatement: exportWrapper ?? node,
        });
        if (node.id) this.declare(node.id, "function", this.scope, { fn: info });
        return;
      }
      case "VariableDeclaration": {
        const scope = node.kind === "var" ? this.varScope() : this.scope;
        const kind: BindingKind = node.kind === "var" ? "var" : node.kind === "let" ? "let" : "const";
        const atModuleLevel = this.fn === null && this.block?.type === "Program";
        for (const d of node.declarations) {
          this.pattern(d.id, kind, scope);
          if (!d.init) continue;
          const name = d.id.type === "Identifier" ? d.id.name : null;
          this.expression(d.init, {
            ...PLAIN_SITE,
            name,
            exportedAs: exportWrapper && name ? name : null,
            bindingName: atModuleLevel ? name : null,
            atModuleLevel: atModuleLevel && name !== null,
          });
        }
        return;
      }
      case "ClassDeclaration":
        if (node.id) this.declare(node.id, "class", this.scope);
        this.classBody(
          node,
          node.id?.name ?? (exportWrapper?.type === "ExportDefaultDeclaration" ? "default" : null),
        );
        return;
      case "TSTypeAliasDeclaration":
      case "TSInterfaceDeclaration":
        this.declare(node.id, "type", this.scope);
        this.typeDepth++;
        this.children(node);
        this.typeDepth--;
        return;
      case "TSDeclareFunction":
        this.typeDepth++;
        this.children(node);
        this.typeDepth--;
        return;
      case "TSEnumDeclaration":
        this.declare(node.id, "enum", this.scope);
        for (const m of node.members) if (m.initializer) this.visit(m.initializer);
        return;
      case "TSModuleDeclaration": {
        if (node.id.type === "Identifier") this.declare(node.id, "namespace", this.scope);
        const s = this.push("block");
        if (node.body) this.visit(node.body);
        this.pop(s);
        return;
      }
      case "TSImportEqualsDeclaration":
        this.declare(node.id, "import", this.scope);
        if (node.moduleReference.type !== "TSExternalModuleReference") this.visit(node.moduleReference);
        return;
      default:
        this.visit(node);
    }
  }

  protected statements(body: t.Statement[]): void {
    for (const s of body) this.statement(s, null);
  }

  // ---- functions and classes ---------------------------------------------------

  protected func(node: AnyFunction, site: Site): FunctionInfo {
    const info: FunctionInfo = {
      node,
      parent: this.fn,
      form: site.form,
      name: site.name,
      owner: site.owner,
      isStatic: site.isStatic,
      isAsync: !!node.async,
      topStatement: this.top!,
      container: site.form === "declaration" ? this.block : null,
      declStatement: site.declStatement,
      exportedAs: site.exportedAs,
      bindingName: site.bindingName,
      atModuleLevel: site.atModuleLevel,
      directives: [],
      strayStrings: [],
    };
    this.functions.push(info);
    const outerFn = this.fn;
    const outerBlock = this.block;
    this.fn = info;
    this.visitAll((node as AnyNode).decorators);
    const scope = this.push("function");
    if (node.type === "FunctionExpression" && node.id) this.declare(node.id, "function", scope);
    this.types((node as AnyNode).typeParameters);
    for (const p of node.params) this.pattern(p, "param", scope);
    this.types((node as AnyNode).returnType);
    const body = node.body;
    if (body.type === "BlockStatement") {
      info.directives = body.directives;
      for (const s of body.body) {
        if (s.type === "ExpressionStatement" && s.expression.type === "StringLiteral") {
          info.strayStrings.push(s.expression);
        }
      }
      this.block = body;
      this.statements(body.body);
    } else this.visit(body);
    this.pop(scope);
    this.fn = outerFn;
    this.block = outerBlock;
    return info;
  }

  private classBody(node: t.Class, name: string | null): void {
    this.visitAll(node.decorators);
    if (node.superClass) this.visit(node.superClass);
    this.types(node.typeParameters);
    this.types(node.superTypeParameters);
    this.typeDepth++;
    this.visitAll(node.implements);
    this.typeDepth--;
    const scope = this.push("block");
    if (node.type === "ClassExpression" && node.id) this.declare(node.id, "class", scope);
    for (const m of node.body.body) {
      switch (m.type) {
        case "ClassMethod":
        case "ClassPrivateMethod":
          if (m.type === "ClassMethod" && m.computed) this.visit(m.key);
          this.func(m, {
            ...PLAIN_SITE,
            form: "classMethod",
            name: keyName(m.key, m.type === "ClassMethod" && m.computed),
            owner: name,
            isStatic: m.static,
          });
          break;
        case "ClassProperty":
        case "ClassPrivateProperty":
        case "ClassAccessorProperty":
          this.visitAll(m.decorators);
          if (m.type !== "ClassPrivateProperty" && m.computed) this.visit(m.key);
          this.types(m.typeAnnotation);
          if (m.value) {
            const keyIsComputed = m.type !== "ClassPrivateProperty" && m.computed;
            this.expression(m.value, { ...PLAIN_SITE, name: keyName(m.key, keyIsComputed), owner: name });
          }
          break;
        case "StaticBlock": {
          const s = this.push("block");
          this.statements(m.body);
          this.pop(s);
          break;
        }
        default:
          this.typeDepth++;
          this.children(m);
          this.typeDepth--;
      }
    }
    this.pop(scope);
  }

  private objectExpression(node: t.ObjectExpression, owner: string | null): void {
    for (const p of node.properties) {
      if (p.type === "SpreadElement") this.visit(p.argument);
      else if (p.type === "ObjectMethod") {
        if (p.computed) this.visit(p.key);
        this.func(p, { ...PLAIN_SITE, form: "objectMethod", name: keyName(p.key, p.computed), owner });
      } else {
        if (p.computed) this.visit(p.key);
        const name = keyName(p.key, p.computed);
        this.expression(p.value as t.Expression, { ...PLAIN_SITE, name, owner });
      }
    }
  }

  /** An expression with naming context (`const x = …`, `key: …`, `export default …`). */
  protected expression(node: t.Expression, site: Site): void {
    if (isFunctionNode(node)) {
      this.func(node, {
        ...site,
        name: node.type === "FunctionExpression" && node.id ? node.id.name : site.name,
      });
      return;
    }
    if (node.type === "ObjectExpression") {
      const owner = site.owner && site.name ? `${site.owner}.${site.name}` : (site.name ?? site.owner);
      this.objectExpression(node, owner ?? (site.exportedAs === "default" ? "default" : null));
      return;
    }
    if (node.type === "ClassExpression") {
      this.classBody(node, node.id?.name ?? site.name ?? (site.exportedAs === "default" ? "default" : null));
      return;
    }
    if (
      node.type === "TSAsExpression" ||
      node.type === "TSSatisfiesExpression" ||
      node.type === "TSNonNullExpression"
    ) {
      this.expression(node.expression, { ...site, atModuleLevel: false });
      if (node.type !== "TSNonNullExpression") this.types(node.typeAnnotation);
      return;
    }
    this.visit(node);
  }
}
