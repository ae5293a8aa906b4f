import type * as t from "@babel/types";
import type { Binding } from "../analysis/model.js";
import type { CompilerContext } from "../context.js";
import { inRanges } from "../edit/editList.js";
import { statementRemovalRange } from "../util/text.js";

const PRUNABLE = new Set(["var", "let", "const", "function", "class"]);

/**
 * Pass 8: removes imports (and then module-level helpers) that only removed
 * code used. This is what keeps `node:fs` or a database client used by a step
 * out of the workflow bundle. A binding is pruned only when it had references
 * and every one of them is gone; bindings nobody referenced are left alone,
 * since they may exist for their side effects.
 */
export function pruneImportsPass(ctx: CompilerContext): void {
  const analysis = ctx.analysis!;
  const code = ctx.code;
  const coverage = ctx.edits.coverage();
  const pruned: Array<[number, number]> = [];
  const rendered = (pos: number): boolean => {
    if (!inRanges(coverage, pos)) return false;
    for (const [s, e] of pruned) if (pos >= s && pos < e) return false;
    return true;
  };
  // Touching an edit means a rewrite already owns the statement.
  const untouched = (stmt: t.Node): boolean =>
    rendered(stmt.start!) && !ctx.edits.touches(stmt.start!, stmt.end!);

  const byStatement = new Map<t.Statement, Binding[]>();
  for (const b of analysis.moduleScope.names.values()) {
    const stmt = b.statement;
    if (!stmt || !PRUNABLE.has(b.kind) || stmt.type.startsWith("Export")) continue;
    const list = byStatement.get(stmt);
    if (list) list.push(b);
    else byStatement.set(stmt, [b]);
  }
  const usedOnlyByRemovedCode = (b: Binding, self: t.Node | null): boolean => {
    let outside = 0;
    for (const r of b.refs) {
      if (self && r.start >= self.start! && r.start < self.end!) continue;
      outside++;
      if (rendered(r.start)) return false;
    }
    return outside > 0;
  };

  // Removing one helper can orphan another, so iterate to a fixed point.
  let changed = true;
  while (changed) {
    changed = false;
    for (const [stmt, bindings] of byStatement) {
      if (!untouched(stmt)) continue;
      if (!bindings.every((b) => usedOnlyByRemovedCode(b, stmt))) continue;
      const range = statementRemovalRange(code, stmt.start!, stmt.end!);
      pruned.push(range);
      ctx.edits.remove(range[0], range[1]);
      byStatement.delete(stmt);
      changed = true;
    }
  }

  for (const stmt of ctx.ast!.program.body) {
    if (stmt.type !== "ImportDeclaration" || stmt.specifiers.length === 0 || !untouched(stmt)) continue;
    const kept = stmt.specifiers.filter((spec) => {
      const b = analysis.moduleScope.names.get(spec.local.name);
      return !b || b.importSpec !== spec || !usedOnlyByRemovedCode(b, null);
    });
    if (kept.length === stmt.specifiers.length) continue;
    if (kept.length === 0) {
      const [s, e] = statementRemovalRange(code, stmt.start!, stmt.end!);
      ctx.edits.remove(s, e);
      continue;
    }
    const parts: string[] = [];
    const named: string[] = [];
    for (const spec of kept) {
      const text = code.slice(spec.start!, spec.end!);
      if (spec.type === "ImportSpecifier") named.push(text);
      else parts.push(text);
    }
    if (named.length > 0) parts.push(`{ ${named.join(", ")} }`);
    const kind = stmt.importKind === "type" ? "type " : "";
    ctx.edits.replace(
      stmt.start!,
      stmt.end!,
      `import ${kind}${parts.join(", ")} from ${code.slice(stmt.source.start!, stmt.end!)}`,
    );
  }
}
