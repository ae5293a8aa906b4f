import type { FunctionInfo } from "../analysis/model.js";
import type { CompilerContext, DirectiveFn } from "../context.js";
import type { ManifestEntry } from "../types.js";
import { locOf } from "../util/text.js";

/** A function's own label in a name path: `charge`, `Billing.charge`, `default`; `null` when anonymous. */
function label(fn: FunctionInfo): string | null {
  const name = fn.name ?? (fn.exportedAs === "default" ? "default" : null);
  if (!name) return null;
  return fn.owner ? `${fn.owner}.${name}` : name;
}

/**
 * The name path: labels of the enclosing named functions joined with `/`.
 * Anonymous callbacks in between are skipped so wrapping code in
 * `.then(() => …)` does not change ids.
 */
export function namePathOf(fn: FunctionInfo): string {
  const parts: string[] = [];
  for (let f = fn.parent; f; f = f.parent) {
    const l = label(f);
    if (l) parts.unshift(l);
  }
  parts.push(label(fn) ?? (fn.owner ? `${fn.owner}.anonymous` : "anonymous"));
  return parts.join("/");
}

/**
 * Pass 5: ids (`workflow//<file>//<name path>`), export names and the manifest.
 * Ids depend only on the root-relative path and source order, so they are
 * identical on every machine.
 */
export function assignIdsPass(ctx: CompilerContext): void {
  const counts = new Map<string, number>();
  const exportsByLocal = ctx.analysis!.exportsByLocal;
  for (const d of ctx.directiveFns) {
    d.namePath = namePathOf(d.fn);
    // A step inside a step is a plain function: it gets no id and must not shift the suffixes of real ones.
    if (d.inert) continue;
    const base = `${d.kind}//${ctx.idFile}//${d.namePath}`;
    const n = (counts.get(base) ?? 0) + 1;
    counts.set(base, n);
    d.id = n === 1 ? base : `${base}$${n}`;
    d.exportName = exportNameOf(d, exportsByLocal);
    const entry: ManifestEntry = {
      id: d.id,
      name: d.namePath,
      exportName: d.exportName,
      file: ctx.file,
      line: locOf(ctx.lineStarts(), d.fn.node.start!).line,
    };
    (d.kind === "workflow" ? ctx.manifest.workflows : ctx.manifest.steps).push(entry);
  }
}

function exportNameOf(d: DirectiveFn, exportsByLocal: Map<string, string>): string | null {
  const fn = d.fn;
  if (!fn.atModuleLevel) return null;
  if (fn.exportedAs) return fn.exportedAs;
  if (fn.bindingName) return exportsByLocal.get(fn.bindingName) ?? null;
  return null;
}
