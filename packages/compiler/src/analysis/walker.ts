import type * as t from "@babel/types";
import { DeclarationWalker, PLAIN_SITE } from "./declarations.js";
import type { Analysis, Scope } from "./model.js";
import type { AnyNode, N } from "./scopeTracker.js";

// One hand-written walk over the AST instead of @babel/traverse: no NodePath
// objects, no scope crawler, just the facts the passes need (bindings,
// references, functions and their directives). This is most of why a 300-line
// file compiles in a few milliseconds.

/** Walks a parsed program once and returns its {@link Analysis}. */
export function analyzeProgram(program: t.Program): Analysis {
  return new Walker().run(program);
}

class Walker extends DeclarationWalker {
  run(program: t.Program): Analysis {
    this.block = program;
    const stray: t.StringLiteral[] = [];
    for (const stmt of program.body) {
      this.top = stmt;
      if (stmt.type === "ExpressionStatement" && stmt.expression.type === "StringLiteral")
        stray.push(stmt.expression);
      this.statement(stmt, null);
    }
    for (const ref of this.refs) {
      for (let s: Scope | null = ref.scope; s; s = s.parent) {
        const b = s.names.get(ref.name);
        if (b) {
          ref.binding = b;
          b.refs.push(ref);
          break;
        }
      }
    }
    return {
      moduleScope: this.moduleScope,
      functions: this.functions,
      refs: this.refs,
      dynamicImports: this.dynamicImports,
      exportsByLocal: this.exportsByLocal,
      moduleDirectives: program.directives,
      moduleStrayStrings: stray,
    };
  }

  // ---- generic walk ----------------------------------------------------------------

  protected visit(node: N): void {
    if (this.typeDepth > 0) {
      this.visitType(node);
      return;
    }
    switch (node.type) {
      case "Identifier":
        this.ref(node);
        return;
      case "FunctionDeclaration":
      case "VariableDeclaration":
      case "ClassDeclaration":
      case "TSTypeAliasDeclaration":
      case "TSInterfaceDeclaration":
      case "TSEnumDeclaration":
      case "TSModuleDeclaration":
      case "TSDeclareFunction":
      case "ImportDeclaration":
      case "ExportNamedDeclaration":
      case "ExportDefaultDeclaration":
        this.statement(node, null);
        return;
      case "FunctionExpression":
      case "ArrowFunctionExpression":
      case "ObjectExpression":
      case "ClassExpression":
        this.expression(node, PLAIN_SITE);
        return;
      case "BlockStatement":
      case "TSModuleBlock":
      case "StaticBlock": {
        const outerBlock = this.block;
        this.block = node;
        const s = this.push("block");
        this.statements(node.body);
        this.pop(s);
        this.block = outerBlock;
        return;
      }
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement": {
        const s = this.push("block");
        if (node.type === "ForStatement") {
          if (node.init) this.visit(node.init);
          if (node.test) this.visit(node.test);
          if (node.update) this.visit(node.update);
        } else {
          if (node.left.type === "VariableDeclaration") this.visit(node.left);
          else this.target(node.left);
          this.visit(node.right);
        }
        this.visit(node.body);
        this.pop(s);
        return;
      }
      case "SwitchStatement": {
        this.visit(node.discriminant);
        const s = this.push("block");
        const outerBlock = this.block;
        for (const c of node.cases) {
          this.block = c;
          if (c.test) this.visit(c.test);
          this.statements(c.consequent);
        }
        this.block = outerBlock;
        this.pop(s);
        return;
      }
      case "CatchClause": {
        const s = this.push("block");
        this.pattern(node.param, "catch", s);
        this.visit(node.body);
        this.pop(s);
        return;
      }
      case "MemberExpression":
      case "OptionalMemberExpression":
        this.visit(node.object);
        if (node.computed) this.visit(node.property);
        return;
      case "AssignmentExpression":
        this.target(node.left);
        if (node.left.type === "Identifier")
          this.expression(node.right, { ...PLAIN_SITE, name: node.left.name });
        else this.visit(node.right);
        return;
      case "CallExpression":
      case "OptionalCallExpression":
      case "NewExpression": {
        const callee = node.callee;
        const arg = node.arguments[0];
        if (
          arg?.type === "StringLiteral" &&
          (callee.type === "Import" || (callee.type === "Identifier" && callee.name === "require"))
        ) {
          this.dynamicImports.push({ source: arg.value, start: node.start!, fn: this.fn });
        }
        this.children(node);
        return;
      }
      case "ImportExpression":
        if (node.source.type === "StringLiteral") {
          this.dynamicImports.push({ source: node.source.value, start: node.start!, fn: this.fn });
        }
        this.children(node);
        return;
      case "ObjectProperty":
        if (node.computed) this.visit(node.key);
        this.visit(node.value);
        return;
      case "LabeledStatement":
        this.visit(node.body);
        return;
      case "BreakStatement":
      case "ContinueStatement":
      case "MetaProperty":
      case "PrivateName":
        return;
      case "JSXOpeningElement": {
        const name = node.name;
        if (name.type === "JSXIdentifier") {
          if (/^[A-Z_$]/.test(name.name)) this.ref(name);
        } else if (name.type === "JSXMemberExpression") {
          let o: t.JSXMemberExpression["object"] = name.object;
          while (o.type === "JSXMemberExpression") o = o.object;
          this.ref(o);
        }
        this.types(node.typeArguments ?? (node as AnyNode).typeParameters);
        this.visitAll(node.attributes);
        return;
      }
      case "JSXClosingElement":
        return;
      case "JSXAttribute":
        if (node.value) this.visit(node.value);
        return;
      default:
        this.children(node);
    }
  }
}
