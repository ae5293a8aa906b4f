import type * as t from "@babel/types";

/** A function-like node the analysis tracks. */
export type AnyFunction =
  | t.FunctionDeclaration
  | t.FunctionExpression
  | t.ArrowFunctionExpression
  | t.ObjectMethod
  | t.ClassMethod
  | t.ClassPrivateMethod;

export type ScopeKind = "module" | "function" | "block";

export interface Scope {
  kind: ScopeKind;
  parent: Scope | null;
  names: Map<string, Binding>;
}

export type BindingKind =
  | "import"
  | "var"
  | "let"
  | "const"
  | "function"
  | "class"
  | "param"
  | "catch"
  | "type"
  | "enum"
  | "namespace";

export interface Binding {
  name: string;
  kind: BindingKind;
  scope: Scope;
  /** Offset of the declaring identifier. */
  start: number;
  /** For module-level bindings: the top-level statement that declares it. */
  statement: t.Statement | null;
  /** For imports: the declaration and the specifier. */
  importDecl: t.ImportDeclaration | null;
  importSpec: t.ImportDeclaration["specifiers"][number] | null;
  /** For function declarations: the function. */
  fn: FunctionInfo | null;
  refs: Ref[];
}

export interface Ref {
  name: string;
  start: number;
  /** Resolved after the walk; `null` for globals. */
  binding: Binding | null;
  scope: Scope;
  /** Inside a type annotation: keeps imports alive but is never captured by a closure. */
  isType: boolean;
  /** Innermost enclosing function, `null` at module level. */
  fn: FunctionInfo | null;
}

/** How a function appears in the source; decides how each mode rewrites it. */
export type FunctionForm = "declaration" | "expression" | "objectMethod" | "classMethod";

export interface FunctionInfo {
  node: AnyFunction;
  parent: FunctionInfo | null;
  form: FunctionForm;
  /** Own name: declaration id, binding or property name. */
  name: string | null;
  /** Object or class the function is a member of (`handlers`, `Billing`). */
  owner: string | null;
  isStatic: boolean;
  isAsync: boolean;
  /** The module-level statement containing the function. */
  topStatement: t.Statement;
  /** For declarations: the statement list holding the declaration. */
  container: t.Node | null;
  /** For declarations: the statement to replace (the export wrapper when exported inline). */
  declStatement: t.Statement | null;
  /** Inline export: `export async function f` → `"f"`, `export default …` → `"default"`. */
  exportedAs: string | null;
  /** Module-level binding the function is reachable by (declaration id or `const` name). */
  bindingName: string | null;
  /** A module-level function: the candidates of a module-level directive. */
  atModuleLevel: boolean;
  /** Directive prologue of the body. */
  directives: t.Directive[];
  /** String-only expression statements after the prologue (misplaced directives). */
  strayStrings: t.StringLiteral[];
}

/** A `require("x")` or `import("x")` call, for the node-module check. */
export interface DynamicImport {
  source: string;
  start: number;
  fn: FunctionInfo | null;
}

/** What the analysis pass learns about a file. */
export interface Analysis {
  moduleScope: Scope;
  functions: FunctionInfo[];
  refs: Ref[];
  dynamicImports: DynamicImport[];
  /** Local name → exported name, from `export { a as b }` and `export default a`. */
  exportsByLocal: Map<string, string>;
  moduleDirectives: t.Directive[];
  moduleStrayStrings: t.StringLiteral[];
}
