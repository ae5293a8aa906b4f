import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Diagnostic, Manifest } from "@wfkit/compiler";
import { formatDiagnostic } from "@wfkit/compiler/format";
import { registerModuleSourceMap, WorkflowError } from "@wfkit/core";
import { coreBundleEntries } from "@wfkit/core/bundle-entries";
import * as esbuild from "esbuild";
import { DIRECTIVE, NODE_MODULES, SOURCE } from "../app/discover.js";
import { originalLineOf } from "./line-map.js";
import { builtinDiagnostics, setupBuiltinStubs } from "./node-builtins.js";
import {
  discoverPackageStepFiles,
  idRootOf,
  installedPackageDir,
  isWorkflowPackage,
  packageDirOf,
} from "./packages.js";

const self = fileURLToPath(import.meta.url);
const ext = path.extname(self); // ".ts" under tests, ".js" when built
/** This package's own folder: like core's, its files are bundled as they are, never compiled. */
const builderDir = path.join(path.dirname(self), "..") + path.sep;

/** What compiled code imports as `__wf` in bundles: exactly the compiled-output contract. */
const RUNTIME_MODULE = "@wfkit/core/workflow/internal";

/** Our own packages, bundled from this installation so every realm gets the same code. */
function ownAliases(mode: "workflow" | "step"): Record<string, string> {
  return {
    workflow: coreBundleEntries.workflow,
    "workflow/internal": coreBundleEntries.internal,
    "@wfkit/core/workflow": coreBundleEntries.workflow,
    [RUNTIME_MODULE]: coreBundleEntries.internal,
    "workflow/api":
      mode === "workflow" ? path.join(path.dirname(self), `api-in-workflow${ext}`) : coreBundleEntries.api,
  };
}

export interface BuildOptions {
  /** Project root: ids and the manifest use paths relative to it. */
  root: string;
  /** Files with workflows or steps (absolute, or relative to root). */
  files: string[];
}

export interface WorkflowBundle {
  /** A script for a VM context: the sandbox bootstrap plus every workflow, in workflow mode. */
  code: string;
  manifest: Manifest;
  /** Content hash, for caching compiled scripts. */
  hash: string;
  /** The compiler's warnings (such as WF_C007_STEP_IN_STEP), for the host to print with `formatDiagnostic`. */
  warnings: Diagnostic[];
}

type TransformResult = ReturnType<typeof import("@wfkit/compiler").transform>;
const transformCache = new Map<string, { code: string; result: TransformResult }>();
/** Absolute path of a compiled file → the line its user wrote, for esbuild's error locations. */
const originalLines = new Map<string, (line: number) => number | undefined>();

function compilerPlugin(
  mode: "workflow" | "step",
  root: string,
  manifests: Manifest[],
  diagnostics: Diagnostic[],
): esbuild.Plugin {
  const aliases = ownAliases(mode);
  return {
    name: `wfkit-${mode}`,
    setup(build) {
      build.onResolve({ filter: /^(workflow|@wfkit\/core\/workflow)(\/.*)?$/ }, (args) =>
        aliases[args.path] ? { path: aliases[args.path] } : undefined,
      );
      if (mode === "workflow") setupBuiltinStubs(build);
      else setupPackageExternals(build);
      build.onLoad({ filter: SOURCE }, async (args) => {
        if (args.path.startsWith(coreBundleEntries.dir) || args.path.startsWith(builderDir)) return undefined;
        const installed = NODE_MODULES.test(args.path);
        // An installed file is compiled only when its package is written for workflows (packages.ts).
        if (installed && !isWorkflowPackage(packageDirOf(args.path) ?? "")) return undefined;
        const code = readFileSync(args.path, "utf8");
        const loader = (
          /\.[cm]?tsx?$/.test(args.path) ? (args.path.endsWith("x") ? "tsx" : "ts") : "js"
        ) as esbuild.Loader;
        // An installed file without a directive loads as it is (its classes were registered by
        // the compiler that published it).
        if (installed && !DIRECTIVE.test(code)) return undefined;
        // Files with a directive, or declaring a class with the peer's serializer (registered by the compiler).
        if (
          !code.includes("use workflow") &&
          !code.includes("use step") &&
          !code.includes("workflow-serialize") &&
          !code.includes("WORKFLOW_SERIALIZE")
        )
          return { contents: code, loader };
        // Rebuilds recompile only files whose text changed.
        const key = `${mode}\0${root}\0${args.path}`;
        let result = transformCache.get(key)?.code === code ? transformCache.get(key)!.result : undefined;
        if (!result) {
          // Loaded on demand: builds of files without directives never need the compiler.
          const { transform } = await import("@wfkit/compiler");
          // A package's ids are relative to its node_modules folder, wherever npm put it.
          const idRoot = installed ? idRootOf(args.path) : root;
          result = transform(code, {
            filename: args.path,
            mode,
            root: idRoot,
            runtimeModule: RUNTIME_MODULE,
          });
          transformCache.set(key, { code, result });
        }
        if (result.map) originalLines.set(args.path, originalLineOf(result.map.mappings));
        manifests.push(result.manifest);
        diagnostics.push(...result.diagnostics);
        const errors = result.diagnostics.filter((d) => d.severity === "error");
        return {
          contents: result.map ? withInlineMap(result.code, result.map, args.path) : result.code,
          loader,
          // The text names the file and line itself (formatDiagnostic), so no esbuild location.
          errors: errors.map((d) => ({ text: formatDiagnostic(d) })),
        };
      });
    },
  };
}

/** The package an import names: `@scope/name` or `name`, without a subpath. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return (specifier.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}

/**
 * The step bundle keeps installed packages external (Node loads them), except
 * packages written for workflows: those are bundled, so their step functions
 * are compiled and registered under the ids the workflow bundle uses.
 */
function setupPackageExternals(build: esbuild.PluginBuild): void {
  build.onResolve({ filter: /^[^./]/ }, async (args) => {
    if (args.pluginData === RESOLVING || path.isAbsolute(args.path) || isBuiltin(args.path)) return undefined;
    const dir = installedPackageDir(args.path, args.resolveDir);
    if (dir && !isWorkflowPackage(dir)) return { path: args.path, external: true };
    const resolved = await build.resolve(args.path, {
      kind: args.kind,
      importer: args.importer,
      resolveDir: args.resolveDir,
      pluginData: RESOLVING,
    });
    // Not installed, and imported statically: Node could not load the step bundle at all, so
    // the build fails here, where the file at fault is known (only its workflows are left out).
    if (resolved.errors.length > 0 && !dir && args.kind === "import-statement")
      return {
        errors: [
          {
            text: `Could not resolve "${args.path}": a step imports it and it is not installed (npm install ${packageName(args.path)}).`,
          },
        ],
      };
    // A path alias of the app is bundled; anything else (a dynamic import or require) is left to Node.
    if (resolved.errors.length > 0 || resolved.external) return { path: args.path, external: true };
    if (!dir && NODE_MODULES.test(resolved.path)) return { path: args.path, external: true };
    return { path: resolved.path, sideEffects: resolved.sideEffects };
  });
}

const RESOLVING = Symbol("wfkit-resolving");

/**
 * The compiler's map, inlined so esbuild chains it: bundle frames then map to
 * the lines the user wrote, not the compiled text. Its source is named by
 * absolute path (the compiler's are relative to the root, esbuild reads them
 * relative to the file).
 */
function withInlineMap(code: string, map: NonNullable<TransformResult["map"]>, file: string): string {
  const json = JSON.stringify({ ...map, sources: [file] });
  return `${code}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(json).toString("base64")}\n`;
}

function mergeManifests(manifests: Manifest[]): Manifest {
  const byId = <T extends { id: string }>(list: T[]) => [...new Map(list.map((x) => [x.id, x])).values()];
  return {
    workflows: byId(manifests.flatMap((m) => m.workflows)),
    steps: byId(manifests.flatMap((m) => m.steps)),
  };
}

function failure(error: unknown, what: string, cwd = process.cwd()): never {
  const messages = (error as esbuild.BuildFailure).errors?.map((e) => formatEsbuildMessage(e, cwd));
  throw new WorkflowError(
    "WF_BUILD_FAILED",
    `Building the ${what} failed:\n${messages?.join("\n") ?? String(error)}`,
    "Fix the errors above; each code has a page under docs/errors/.",
  );
}

/**
 * One esbuild error as text. Our diagnostics are formatted already (file, line,
 * frame); esbuild would only add the place of the bundle's own import line.
 * Its own errors (syntax, unresolved imports) get a one-line frame.
 */
function formatEsbuildMessage(e: esbuild.PartialMessage, cwd: string): string {
  const loc = e.location;
  if (!loc || e.text?.startsWith("WF_")) return e.text ?? "";
  const line =
    (loc.file && loc.line && originalLines.get(path.resolve(cwd, loc.file))?.(loc.line)) || loc.line;
  const head = `${loc.file}:${line}:${(loc.column ?? 0) + 1}: ${e.text}`;
  if (!loc.lineText || line === undefined) return head;
  const gutter = `  > ${line} | `;
  return `${head}\n${gutter}${loc.lineText}\n${" ".repeat(gutter.length - 2)}| ${" ".repeat(loc.column ?? 0)}^`;
}

/**
 * Bundles the sandbox bootstrap and every workflow file (workflow mode) into one VM script
 * of two parts: the bootstrap, which a sandbox thread evaluates once into the realm its
 * runs share, then the workflow files wrapped as a factory the realm calls once per run
 * (`__wfkitDefine(function () { "use strict"; ... })`), so each run gets fresh module state.
 */
export async function buildWorkflowBundle(options: BuildOptions): Promise<WorkflowBundle> {
  const root = path.resolve(options.root);
  const files = options.files.map((f) => path.resolve(root, f));
  const manifests: Manifest[] = [];
  const diagnostics: Diagnostic[] = [];
  const common: esbuild.BuildOptions = {
    bundle: true,
    write: false,
    format: "iife",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    conditions: ["workflow", "import", "default"],
    define: { "process.env.NODE_ENV": '"production"' },
    sourcemap: "external",
    // Never written: it names where the source maps' paths are relative to.
    outfile: path.join(root, "wfkit-workflows.js"),
    logLevel: "silent",
    metafile: true,
    absWorkingDir: root,
  };
  const user = files.map((f) => `import ${JSON.stringify(f)};`).join("\n");
  let realm: esbuild.OutputFile[];
  let result: esbuild.BuildResult;
  try {
    [realm, result] = await Promise.all([
      realmPart(root, common),
      esbuild.build({
        ...common,
        stdin: { contents: user, resolveDir: root, sourcefile: "wfkit-workflows.js", loader: "js" },
        // Strict, so a write to a global (frozen in the shared realm) throws instead of doing nothing.
        banner: { js: '__wfkitDefine(function () {\n"use strict";' },
        footer: { js: "});" },
        plugins: [compilerPlugin("workflow", root, manifests, diagnostics)],
      }),
    ]);
  } catch (error) {
    failure(error, "workflow bundle", root);
  }
  const reached = await builtinDiagnostics(result.metafile!, root);
  if (reached.length > 0)
    failure({ errors: reached.map((d) => ({ text: formatDiagnostic(d) })) }, "workflow bundle");
  const code = joinWithSourceMap(realm, result.outputFiles!);
  return {
    code,
    manifest: mergeManifests(manifests),
    hash: createHash("sha256").update(code).digest("hex").slice(0, 16),
    warnings: diagnostics.filter((d) => d.severity === "warning"),
  };
}

/**
 * The bundle's first part, the sandbox bootstrap: the same for every build from `root` (it
 * holds no user code), so a rebuild (watch mode, each test's fixtures) does not build it again.
 */
const realmParts = new Map<string, Promise<esbuild.OutputFile[]>>();
function realmPart(root: string, common: esbuild.BuildOptions): Promise<esbuild.OutputFile[]> {
  let part = realmParts.get(root);
  if (!part) {
    part = esbuild
      .build({
        ...common,
        stdin: {
          contents: `import ${JSON.stringify(coreBundleEntries.sandbox)};`,
          resolveDir: root,
          sourcefile: "wfkit-realm.js",
          loader: "js",
        },
        plugins: [compilerPlugin("workflow", root, [], [])],
      })
      .then((built) => built.outputFiles!);
    // A failed build is not kept: the next build tries again.
    part.catch(() => realmParts.delete(root));
    realmParts.set(root, part);
  }
  return part;
}

/**
 * The two parts as one script with one inline source map: an index map whose
 * sections place each part's map at the line the part starts on.
 */
function joinWithSourceMap(...parts: esbuild.OutputFile[][]): string {
  let code = "";
  let line = 0;
  const sections: unknown[] = [];
  for (const outputs of parts) {
    const js = outputs
      .find((o) => o.path.endsWith(".js"))!
      .text.replace(/\n\/\/# sourceMappingURL=.*\n?$/, "\n");
    const map = outputs.find((o) => o.path.endsWith(".map"));
    if (map) sections.push({ offset: { line, column: 0 }, map: JSON.parse(map.text) });
    code += js;
    line += js.split("\n").length - 1;
  }
  const index = JSON.stringify({ version: 3, sections });
  return `${code}//# sourceMappingURL=data:application/json;base64,${Buffer.from(index).toString("base64")}\n`;
}

export interface StepBundle {
  /** Path of the built ES module; importing it registers every step. */
  file: string;
  manifest: Manifest;
}

/** Bundles step code (step mode) into an ES module that runs as plain Node code. */
export async function buildStepBundle(options: BuildOptions & { outDir?: string }): Promise<StepBundle> {
  const root = path.resolve(options.root);
  const outDir =
    options.outDir ??
    (existsSync(path.join(root, "node_modules"))
      ? path.join(root, "node_modules", ".cache", "wfkit")
      : path.join(root, ".wfkit"));
  mkdirSync(outDir, { recursive: true });
  const { code, manifest } = await bundleStepCode(options, outDir);
  const file = path.join(outDir, `steps-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`);
  if (!existsSync(file)) writeFileSync(file, code);
  // A step's failure is stored with frames of the user's files (core's host/source-maps.ts).
  registerModuleSourceMap(pathToFileURL(file).href, root);
  return { file, manifest };
}

/** The step bundle's code, not written anywhere (a build check uses it as it is). */
export async function bundleStepCode(
  options: BuildOptions,
  outDir: string,
): Promise<{ code: string; manifest: Manifest }> {
  const root = path.resolve(options.root);
  const files = options.files.map((f) => path.resolve(root, f));
  const manifests: Manifest[] = [];
  const diagnostics: Diagnostic[] = [];
  // Steps of installed workflow packages the workflow files reach: imported too, so they register.
  const packageSteps = await discoverPackageStepFiles(root, files).catch(() => []);
  const entry = [...files, ...packageSteps].map((f) => `import ${JSON.stringify(f)};`).join("\n");
  let result: esbuild.BuildResult;
  try {
    result = await esbuild.build({
      stdin: { contents: entry, resolveDir: root, sourcefile: "wfkit-steps.js", loader: "js" },
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      target: "node20",
      sourcemap: "inline",
      logLevel: "silent",
      plugins: [compilerPlugin("step", root, manifests, diagnostics)],
      // Map sources relative to the module's folder, as the source-map spec reads them.
      outdir: outDir,
      // Error locations relative to the app's root, like the workflow bundle's.
      absWorkingDir: root,
    });
  } catch (error) {
    failure(error, "step bundle", root);
  }
  return { code: result.outputFiles![0]!.text, manifest: mergeManifests(manifests) };
}
