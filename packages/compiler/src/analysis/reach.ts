import { forbiddenInWorkflow } from "../util/nodeModules.js";
import type { Analysis, FunctionInfo } from "./model.js";

/** One place where code uses a Node builtin or an I/O package. */
export interface ForbiddenUse {
  /** The module as written (`node:fs/promises`). */
  source: string;
  /** What the code touches: the imported local name (`writeFile`) or `import()` / `require()`. */
  local: string;
  /** Offset of the use in the original text. */
  start: number;
}

/** Who owns a piece of code: a module-level helper, a workflow or step (a directive function), or module level. */
export type Owner = FunctionInfo | "module";

/**
 * Which module-level helpers a piece of code calls, and which Node builtins or
 * I/O packages each one uses itself. Steps are leaves: their bodies run on the
 * host, so what they use never reaches the sandbox.
 */
export class HelperGraph {
  /** Module-level functions that are neither workflows nor steps, by binding name. */
  readonly helpers = new Map<string, FunctionInfo>();
  private readonly uses = new Map<Owner, ForbiddenUse[]>();
  private readonly calls = new Map<Owner, Set<FunctionInfo>>();

  constructor(
    analysis: Analysis,
    private readonly directives: ReadonlySet<FunctionInfo>,
  ) {
    for (const fn of analysis.functions) {
      if (fn.parent === null && fn.atModuleLevel && fn.bindingName && !directives.has(fn))
        this.helpers.set(fn.bindingName, fn);
    }
    for (const ref of analysis.refs) {
      const b = ref.binding;
      if (!b || ref.isType) continue;
      const owner = this.ownerOf(ref.fn);
      if (!owner) continue;
      if (b.kind === "import" && b.importDecl && b.importDecl.importKind !== "type") {
        const source = forbiddenInWorkflow(b.importDecl.source.value);
        if (source) this.add(this.uses, owner, { source, local: ref.name, start: ref.start });
        continue;
      }
      const helper = b.scope === analysis.moduleScope ? this.helpers.get(ref.name) : undefined;
      if (helper && helper !== owner) {
        const set = this.calls.get(owner) ?? new Set();
        set.add(helper);
        this.calls.set(owner, set);
      }
    }
    for (const imp of analysis.dynamicImports) {
      const source = forbiddenInWorkflow(imp.source);
      const owner = this.ownerOf(imp.fn);
      if (source && owner)
        this.add(this.uses, owner, { source, local: `import("${source}")`, start: imp.start });
    }
  }

  /** The outermost function around `fn`, or the nearest directive function; `null` inside a step. */
  ownerOf(fn: FunctionInfo | null): Owner | null {
    let top: FunctionInfo | null = null;
    for (let f = fn; f; f = f.parent) {
      if (this.directives.has(f)) return f;
      top = f;
    }
    return top ?? "module";
  }

  /** What `owner`'s own code uses (not its callees). */
  usesOf(owner: Owner): readonly ForbiddenUse[] {
    return this.uses.get(owner) ?? [];
  }

  /**
   * Every helper reachable from `from` through calls, each with the chain of
   * helper names that leads to it (`[format, saveReceipt]`), nearest first.
   */
  reachable(from: Owner): Array<{ helper: FunctionInfo; chain: string[] }> {
    const out: Array<{ helper: FunctionInfo; chain: string[] }> = [];
    const seen = new Set<FunctionInfo>();
    const queue: Array<{ owner: Owner; chain: string[] }> = [{ owner: from, chain: [] }];
    while (queue.length > 0) {
      const { owner, chain } = queue.shift()!;
      for (const helper of this.calls.get(owner) ?? []) {
        if (seen.has(helper) || this.directives.has(helper)) continue;
        seen.add(helper);
        const next = [...chain, helper.bindingName ?? helper.name ?? "anonymous"];
        out.push({ helper, chain: next });
        queue.push({ owner: helper, chain: next });
      }
    }
    return out;
  }

  private add<T>(map: Map<Owner, T[]>, owner: Owner, value: T): void {
    const list = map.get(owner) ?? [];
    list.push(value);
    map.set(owner, list);
  }
}
