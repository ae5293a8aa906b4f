// Node builtins in the workflow bundle. The sandbox has none, so each import of
// one resolves to a stub; after the build, a stub that survived tree shaking
// means workflow code really reaches that builtin, and we say where, with the
// chain of files, before any run starts.
import { readFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import path from "node:path";
import type { Diagnostic } from "@wfkit/compiler";
import type * as esbuild from "esbuild";

const NAMESPACE = "wfkit-node-builtin";
const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const require = createRequire(import.meta.url);
const PAGE = "@wfkit/compiler/docs/errors/WF_C008_NODE_MODULE_IN_HELPER.md";

/** The builtin's export names, so a stub lists them and each use fails with our message. */
function exportNames(builtin: string): string[] {
  try {
    return Object.keys(require(builtin) as object);
  } catch {
    return [];
  }
}

/**
 * The fallback for what the build cannot see (a package loading a builtin
 * lazily, a computed `require`): touching any export throws an error that
 * names the module and the fix, instead of "x is not a function".
 */
function stubSource(builtin: string): string {
  const message = (key: string) =>
    `WF_C008_NODE_MODULE_IN_HELPER: workflow code used ${key} from "${builtin}", but the workflow sandbox has no Node builtins. Fix: call it only from an async function marked "use step". See: ${PAGE}`;
  const keys = Object.fromEntries(exportNames(builtin).map((k) => [k, message(k)]));
  return `var messages = ${JSON.stringify(keys)};
module.exports = new Proxy(Object.fromEntries(Object.keys(messages).map((k) => [k, undefined])), {
  get(_, key) {
    if (key === "__esModule" || typeof key === "symbol") return undefined;
    throw new Error(messages[key] ?? ${JSON.stringify(message("an export"))});
  },
});`;
}

/** Resolves builtins to stubs, one per importing file so tree shaking tells the importers apart. */
export function setupBuiltinStubs(build: esbuild.PluginBuild): void {
  build.onResolve({ filter: /.*/ }, (args) =>
    BUILTINS.has(args.path)
      ? { path: `${args.path}|${args.importer}`, namespace: NAMESPACE, sideEffects: false }
      : undefined,
  );
  build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
    contents: stubSource(args.path.slice(0, args.path.indexOf("|"))),
    loader: "js",
  }));
}

/**
 * WF_C008_NODE_MODULE_IN_HELPER diagnostics for every file of the app whose builtin import is still
 * in the built workflow bundle, each naming the chain of imports from a
 * workflow file. Files in node_modules are left to the run-time stub.
 */
export async function builtinDiagnostics(metafile: esbuild.Metafile, root: string): Promise<Diagnostic[]> {
  const kept = new Set(
    Object.values(metafile.outputs).flatMap((o) =>
      Object.keys(o.inputs).filter((k) => k.startsWith(`${NAMESPACE}:`)),
    ),
  );
  if (kept.size === 0) return [];
  // Loaded on demand, like the transform: most bundles reach no builtin.
  const { nodeModuleDiagnostics } = await import("@wfkit/compiler");
  const parents = importParents(metafile);
  const diagnostics: Diagnostic[] = [];
  for (const [file, input] of Object.entries(metafile.inputs)) {
    if (file.includes("node_modules/") || file.includes(":")) continue;
    const sources = input.imports.filter((i) => kept.has(i.path)).map((i) => i.original ?? i.path);
    if (sources.length === 0) continue;
    const chain: string[] = [];
    for (let f: string | undefined = file; f && parents.has(f); f = parents.get(f)) chain.unshift(f);
    const abs = path.resolve(root, file);
    diagnostics.push(
      ...nodeModuleDiagnostics(readFileSync(abs, "utf8"), {
        filename: abs,
        root,
        reachedFrom: chain.join(" → "),
        sources,
      }),
    );
  }
  return diagnostics;
}

/** For each input, the file that first imports it, breadth first from the bundle's entry (the one input nothing imports). */
function importParents(metafile: esbuild.Metafile): Map<string, string> {
  const parents = new Map<string, string>();
  const imported = new Set(Object.values(metafile.inputs).flatMap((i) => i.imports.map((imp) => imp.path)));
  const queue = Object.keys(metafile.inputs).filter((file) => !imported.has(file));
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const imp of metafile.inputs[file]?.imports ?? []) {
      if (parents.has(imp.path) || queue.includes(imp.path)) continue;
      parents.set(imp.path, file);
      queue.push(imp.path);
    }
  }
  return parents;
}
