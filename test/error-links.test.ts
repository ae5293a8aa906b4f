// After `npm run build`: every registered code's docs link resolves to a page
// shipped inside its package, both the `file:` URL thrown messages give and the
// stable `@wfkit/<pkg>/docs/errors/<CODE>.md` reference JSON answers give.
// Reads the built dist, as an installed package would.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = async <T>(file: string): Promise<T> => {
  const full = path.join(root, "packages", file);
  if (!existsSync(full)) throw new Error(`${full} is missing: run \`npm run build\` first.`);
  return (await import(pathToFileURL(full).href)) as T;
};

const core = await dist<{
  ERROR_CODES: Record<string, unknown>;
  docsUrl(code: string): string;
  docsRef(code: string): string;
  WorkflowError: new (code: string, message: string, hint?: string) => Error;
}>("core/dist/errors/index.js");
const compiler = await dist<{
  DIAGNOSTIC_CODE_INFO: Record<string, unknown>;
  diagnosticDocsUrl(code: string): string;
  diagnosticDocsRef(code: string): string;
}>("compiler/dist/diagnostics/codes.js");
const world = await dist<{
  WORLD_ERROR_CODES: Record<string, unknown>;
  worldDocsUrl(code: string): string;
  worldDocsRef(code: string): string;
}>("world/dist/errors.js");

/** code → [file URL, stable reference], from each package's own functions. */
const links: [string, string, string][] = [
  ...Object.keys(core.ERROR_CODES).map(
    (c) => [c, core.docsUrl(c), core.docsRef(c)] as [string, string, string],
  ),
  ...Object.keys(compiler.DIAGNOSTIC_CODE_INFO).map(
    (c) => [c, compiler.diagnosticDocsUrl(c), compiler.diagnosticDocsRef(c)] as [string, string, string],
  ),
  ...Object.keys(world.WORLD_ERROR_CODES).map(
    (c) => [c, world.worldDocsUrl(c), world.worldDocsRef(c)] as [string, string, string],
  ),
];
// Resolved like a user's project would: through node_modules and each package's "exports".
const requireFromRoot = createRequire(path.join(root, "package.json"));

describe("error docs links after the build", () => {
  it("cover every registered code", () => {
    expect(links.length).toBeGreaterThan(50);
  });

  it.each(links)("%s: the file URL of thrown messages is a page inside the package", (code, url) => {
    expect(url).toMatch(/^file:\/\//);
    expect(existsSync(fileURLToPath(url)), url).toBe(true);
    expect(readFileSync(fileURLToPath(url), "utf8")).toMatch(new RegExp(`^# ${code}: `));
  });

  it.each(links)("%s: the stable reference resolves to the same page", (_code, url, ref) => {
    expect(ref).toMatch(/^@wfkit\/(core|compiler|world)\/docs\/errors\/WF_[A-Z0-9_]+\.md$/);
    expect(requireFromRoot.resolve(ref)).toBe(fileURLToPath(url));
  });

  it("gives a thrown WorkflowError a See: link that opens", () => {
    const error = new core.WorkflowError("WF_RUN_NOT_FOUND", "There is no run with id r1.", "Check the id.");
    const see = /\n {2}See: (\S+)$/.exec(error.message)?.[1];
    expect(see).toMatch(/^file:\/\//);
    expect(existsSync(fileURLToPath(see!))).toBe(true);
  });

  it("keeps links between pages working inside the packages", () => {
    const broken: string[] = [];
    for (const pkg of ["core", "compiler", "world"]) {
      const dir = path.join(root, "packages", pkg, "docs", "errors");
      for (const page of readdirSync(dir)) {
        const text = readFileSync(path.join(dir, page), "utf8");
        for (const [, target] of text.matchAll(
          /\]\(((?:\.\.\/\.\.\/\.\.\/[a-z-]+\/docs\/errors\/)?WF_[A-Z0-9_]+\.md)/g,
        )) {
          if (!existsSync(path.join(dir, target!)))
            broken.push(`packages/${pkg}/docs/errors/${page} → ${target}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
