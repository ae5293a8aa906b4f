// Installed packages written for workflows: their published JavaScript holds
// "use step" / "use workflow" functions (the peer's `@workflow/ai` does), so both
// bundles compile them like the app's own files. Found per package, cached.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import * as esbuild from "esbuild";
import { DIRECTIVE, NODE_MODULES } from "../app/discover.js";

/** Published JavaScript; type declarations and maps hold no code. */
const PUBLISHED_JS = /\.[cm]?js$/;

/** Package folder → does it hold a directive (keyed with its package.json's mtime). */
const packages = new Map<string, { mtimeMs: number; compiled: boolean }>();

/** The folder of the package that holds `file` (the nearest package.json under node_modules). */
export function packageDirOf(file: string): string | undefined {
  let dir = path.dirname(file);
  while (NODE_MODULES.test(`${dir}${path.sep}`) && path.basename(dir) !== "node_modules") {
    const stat = statSync(path.join(dir, "package.json"), { throwIfNoEntry: false });
    if (stat) return dir;
    dir = path.dirname(dir);
  }
  return undefined;
}

/**
 * Is `dir` a package written for workflows: it declares `workflow` (or a
 * `@workflow/…` package) among its dependencies, and one of its published
 * files has a directive. The first test keeps big unrelated packages unread.
 */
export function isWorkflowPackage(dir: string): boolean {
  const manifest = path.join(dir, "package.json");
  const stat = statSync(manifest, { throwIfNoEntry: false });
  if (!stat) return false;
  const cached = packages.get(dir);
  if (cached && cached.mtimeMs === stat.mtimeMs) return cached.compiled;
  let compiled = false;
  try {
    const json = JSON.parse(readFileSync(manifest, "utf8")) as Record<
      string,
      Record<string, string> | undefined
    >;
    const deps = [json.dependencies, json.peerDependencies, json.optionalDependencies].flatMap((d) =>
      Object.keys(d ?? {}),
    );
    if (deps.some((name) => name === "workflow" || name.startsWith("@workflow/")))
      compiled = someFile(dir, (file) => DIRECTIVE.test(readFileSync(file, "utf8")));
  } catch {
    compiled = false;
  }
  packages.set(dir, { mtimeMs: stat.mtimeMs, compiled });
  return compiled;
}

const leads = new Map<string, boolean>();

/**
 * Does package `dir` depend, directly or through its own dependencies, on a
 * package written for workflows? Then the discovery follows its imports, as
 * the workflow bundle does. Reads package.json files only; cached per process.
 */
export function leadsToWorkflowPackage(dir: string, seen = new Set<string>()): boolean {
  const known = leads.get(dir);
  if (known !== undefined) return known;
  if (seen.has(dir)) return false;
  seen.add(dir);
  let found = false;
  try {
    const json = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as Record<
      string,
      Record<string, string> | undefined
    >;
    const deps = [json.dependencies, json.optionalDependencies].flatMap((d) => Object.keys(d ?? {}));
    for (const name of deps) {
      const depDir = installedPackageDir(name, dir);
      if (depDir && (isWorkflowPackage(depDir) || leadsToWorkflowPackage(depDir, seen))) {
        found = true;
        break;
      }
    }
  } catch {
    found = false;
  }
  leads.set(dir, found);
  return found;
}

/** The folder of installed package `specifier` as Node finds it from `from` (node_modules upwards). */
export function installedPackageDir(specifier: string, from: string): string | undefined {
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, "node_modules", name);
    if (existsSync(path.join(candidate, "package.json"))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function someFile(dir: string, test: (file: string) => boolean): boolean {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return false;
  }
  for (const name of entries) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const full = path.join(dir, name);
    const stat = statSync(full, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      if (someFile(full, test)) return true;
    } else if (stat && PUBLISHED_JS.test(name) && test(full)) return true;
  }
  return false;
}

/**
 * The root a package file's ids are relative to: the node_modules folder that
 * holds its package, so ids read `step//@workflow/ai/dist/agent/durable-agent//closeStream`
 * wherever npm placed the package (hoisted or not).
 */
export function idRootOf(file: string): string {
  const marker = `${path.sep}node_modules${path.sep}`;
  const at = file.lastIndexOf(marker);
  return file.slice(0, at + marker.length - 1);
}

/**
 * The files of workflow packages that the app's workflow files reach and that
 * hold a directive: the step bundle imports them, since the step-mode compile
 * of a workflow file drops the imports only its workflow bodies used. Walks the
 * workflow files' import graph as the workflow bundle does, but does not enter
 * packages that neither are nor depend on a workflow package, so it reads the
 * app's files, the workflow packages' and the few packages in between.
 */
export async function discoverPackageStepFiles(root: string, files: string[]): Promise<string[]> {
  const found = new Set<string>();
  const RESOLVING = { wfkit: "discover" };
  await esbuild.build({
    stdin: {
      contents: files.map((f) => `import ${JSON.stringify(f)};`).join("\n"),
      resolveDir: root,
      sourcefile: "wfkit-discover.js",
      loader: "js",
    },
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["workflow", "import", "default"],
    logLevel: "silent",
    absWorkingDir: root,
    plugins: [
      {
        name: "wfkit-discover-package-steps",
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, async (args) => {
            if (args.pluginData === RESOLVING || path.isAbsolute(args.path)) return undefined;
            if (isBuiltin(args.path) || /^(workflow|@wfkit\/)/.test(args.path))
              return { path: args.path, external: true };
            const resolved = await build.resolve(args.path, {
              kind: args.kind,
              importer: args.importer,
              resolveDir: args.resolveDir,
              pluginData: RESOLVING,
            });
            if (resolved.errors.length > 0 || resolved.external) return { path: args.path, external: true };
            const dir = NODE_MODULES.test(resolved.path) ? packageDirOf(resolved.path) : undefined;
            // Other packages are followed only when they depend on a workflow package.
            if (dir && !isWorkflowPackage(dir) && !leadsToWorkflowPackage(dir))
              return { path: args.path, external: true };
            return { path: resolved.path };
          });
          build.onLoad({ filter: /\.[cm]?js$/ }, (args) => {
            if (!NODE_MODULES.test(args.path)) return undefined;
            const code = readFileSync(args.path, "utf8");
            const dir = packageDirOf(args.path);
            if (dir && isWorkflowPackage(dir) && DIRECTIVE.test(code)) found.add(args.path);
            return { contents: code, loader: "js" };
          });
        },
      },
    ],
  });
  return [...found].sort();
}
