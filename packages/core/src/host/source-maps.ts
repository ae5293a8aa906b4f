// Stack traces that name the user's files. Workflow code runs as a vm.Script
// (`wfkit-workflows-<hash>.js`) and step code as a built module
// (`steps-<hash>.mjs`); Node's own source-map support does not reach vm
// scripts, so the host maps the frames of stored errors itself, with
// node:module's SourceMap over each bundle's inline map. Host only: the
// sandbox never sees a map or a real path.
import { readFileSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { deserialize, serialize } from "../serialization/index.js";

const INLINE_MAP = "//# sourceMappingURL=data:application/json;base64,";
/** Bundles remembered at once: a dev server rebuilds often, and old bundles' maps are dead weight. */
const MAX_BUNDLES = 16;
/** Causes followed below a stored error. */
const MAX_CAUSES = 8;

type Entry = {
  load: () => string | undefined;
  /** A map source as frames show it. */
  show: (source: string) => string;
  map?: SourceMap | null;
};
const bundles = new Map<string, Entry>();

/** The inline source map at the end of a bundle's code (esbuild's `sourcemap: "inline"`), as JSON text. */
export function inlineSourceMap(code: string): string | undefined {
  const at = code.lastIndexOf(INLINE_MAP);
  if (at < 0) return undefined;
  return Buffer.from(code.slice(at + INLINE_MAP.length).trim(), "base64").toString("utf8");
}

/**
 * Tells the mapper where the map of a script or module is. `name` is the file
 * name as stack frames print it (a vm.Script's `filename`, or a module's
 * `file:` URL); `load` is called once, the first time a frame names it.
 */
export function registerSourceMap(
  name: string,
  load: () => string | undefined,
  show: (source: string) => string = (source) => source,
): void {
  if (bundles.has(name)) return;
  bundles.set(name, { load, show });
  if (bundles.size > MAX_BUNDLES) bundles.delete(bundles.keys().next().value!);
}

/**
 * Registers a built module file whose code ends in an inline map (the step
 * bundle). Its sources are relative to the file's folder (as the spec reads
 * them); frames show them relative to `root`, the app's root.
 */
export function registerModuleSourceMap(fileUrl: string, root: string): void {
  const file = fileURLToPath(fileUrl);
  registerSourceMap(
    fileUrl,
    () => inlineSourceMap(readFileSync(file, "utf8")),
    (source) => {
      const relative = path.relative(root, path.resolve(path.dirname(file), source));
      return relative.split(path.sep).join("/");
    },
  );
}

function mapOf(name: string): SourceMap | undefined {
  const entry = bundles.get(name);
  if (!entry) return undefined;
  if (entry.map === undefined) {
    try {
      const json = entry.load();
      entry.map = json ? new SourceMap(JSON.parse(json) as SourceMapPayload) : null;
    } catch {
      entry.map = null;
    }
  }
  return entry.map ?? undefined;
}

/** This folder (the host's files, built or not): frames in it are wfkit calling user code. */
const HOST_DIR = path.dirname(fileURLToPath(import.meta.url));
const HOST_URL = pathToFileURL(HOST_DIR).href;

/**
 * Whether a frame is where wfkit's host calls into user code: the VM call
 * that runs workflow code, or the step executor. Everything below it is wfkit's
 * own machinery (and names the server's folders), so a stored stack ends there.
 */
function isHostEntry(line: string): boolean {
  return (
    /\(node:vm:\d+:\d+\)$/.test(line) ||
    line.includes(`${HOST_URL}/`) ||
    line.includes(`${HOST_DIR}${path.sep}`)
  );
}

/** A stack without the frames of wfkit's host below the user's code (see isHostEntry). */
export function trimHostFrames(stack: string): string {
  const lines = stack.split("\n");
  const firstFrame = lines.findIndex((line) => /^\s+at /.test(line));
  if (firstFrame < 0) return stack;
  const entry = lines.findIndex((line, i) => i > firstFrame && isHostEntry(line));
  return entry < 0 ? stack : lines.slice(0, entry).join("\n");
}

/**
 * Node puts `<script>:<line>`, the line's text and a caret on top of the stack of
 * an error that leaves a vm.Script: they name the bundle, not the user's file.
 */
function withoutArrow(stack: string): string {
  const blank = stack.indexOf("\n\n");
  const script = /^(\S+):\d+\n/.exec(stack)?.[1];
  return blank >= 0 && script && bundles.has(script) ? stack.slice(blank + 2) : stack;
}

/** `    at name (file:line:col)` or `    at file:line:col`. */
const FRAME = /^(\s*at (?:.*? \()?)(.+?):(\d+):(\d+)(\)?)$/;

/**
 * A stack with every frame of a registered bundle rewritten to the place in
 * the source it came from (`workflows/order.ts:12:5`, relative to the app's
 * root). Other frames, and frames the map does not cover, stay as they are.
 */
export function mapStack(stack: string): string {
  if (bundles.size === 0) return stack;
  return withoutArrow(stack)
    .split("\n")
    .map((line) => {
      const frame = FRAME.exec(line);
      if (!frame) return line;
      const map = mapOf(frame[2]!);
      if (!map) return line;
      // findEntry takes 0-based lines and columns; V8 prints both 1-based.
      const entry = map.findEntry(Number(frame[3]) - 1, Number(frame[4]) - 1) as Partial<{
        originalSource: string;
        originalLine: number;
        originalColumn: number;
      }>;
      if (entry.originalSource === undefined || entry.originalLine === undefined) return line;
      const source = bundles.get(frame[2]!)!.show(entry.originalSource);
      return `${frame[1]}${source}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}${frame[5]}`;
    })
    .join("\n");
}

/**
 * A serialized error (the log's form) with its stack, and its causes' stacks,
 * mapped by {@link mapStack} and cut where wfkit's host called the user's code. Anything that is not an error, or does not read
 * back, is returned unchanged: mapping must never lose an error.
 */
export function mapErrorStacks(serialized: string): string {
  if (bundles.size === 0) return serialized;
  try {
    const error = deserialize(serialized);
    let changed = false;
    let current: unknown = error;
    for (let depth = 0; depth <= MAX_CAUSES && isErrorObject(current); depth++) {
      const stack = (current as { stack?: unknown }).stack;
      if (typeof stack === "string") {
        const mapped = trimHostFrames(mapStack(stack));
        if (mapped !== stack) {
          Object.defineProperty(current, "stack", {
            value: mapped,
            writable: true,
            configurable: true,
            enumerable: false,
          });
          changed = true;
        }
      }
      current = (current as { cause?: unknown }).cause;
    }
    return changed ? serialize(error, "error") : serialized;
  } catch {
    return serialized;
  }
}

function isErrorObject(value: unknown): value is Error {
  return Object.prototype.toString.call(value) === "[object Error]";
}
