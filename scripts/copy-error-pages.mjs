// Part of `npm run build` (after tsc): copies each error page, docs/errors/<CODE>.md,
// into the package whose registry holds the code, as <package>/docs/errors/<CODE>.md.
// The packages list "docs" in "files", so the pages ship with them and a thrown
// error's `See:` link opens offline. The copies are git-ignored; this folder's
// docs/errors/ stays the one place to edit.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const pages = path.join(root, "docs", "errors");

/** Each package that owns codes, and the built module with its registry (read from dist: one source of truth). */
const OWNERS = [
  { pkg: "core", module: "packages/core/dist/errors/codes.js", registry: "ERROR_CODES" },
  {
    pkg: "compiler",
    module: "packages/compiler/dist/diagnostics/codes.js",
    registry: "DIAGNOSTIC_CODE_INFO",
  },
  { pkg: "world", module: "packages/world/dist/errors.js", registry: "WORLD_ERROR_CODES" },
];

const ownerOf = new Map();
for (const owner of OWNERS) {
  const registry = (await import(pathToFileURL(path.join(root, owner.module)).href))[owner.registry];
  for (const code of Object.keys(registry)) ownerOf.set(code, owner.pkg);
}

const missing = [...ownerOf.keys()].filter((code) => !existsSync(path.join(pages, `${code}.md`)));
if (missing.length) {
  console.error(`copy-error-pages: registered codes without a page in docs/errors/: ${missing.join(", ")}`);
  process.exit(1);
}

for (const { pkg } of OWNERS)
  rmSync(path.join(root, "packages", pkg, "docs"), { recursive: true, force: true });
for (const [code, pkg] of ownerOf) {
  const dir = path.join(root, "packages", pkg, "docs", "errors");
  mkdirSync(dir, { recursive: true });
  const text = readFileSync(path.join(pages, `${code}.md`), "utf8");
  // A link to a page another package ships goes to that package's copy: @wfkit/<pkg> folders are siblings.
  const linked = text.replace(/\]\((WF_[A-Z0-9_]+\.md)(#[^)]*)?\)/g, (link, file, hash = "") => {
    const other = ownerOf.get(file.slice(0, -3));
    return other && other !== pkg ? `](../../../${other}/docs/errors/${file}${hash})` : link;
  });
  if (linked === text) copyFileSync(path.join(pages, `${code}.md`), path.join(dir, `${code}.md`));
  else writeFileSync(path.join(dir, `${code}.md`), linked);
}
console.log(
  `copy-error-pages: ${ownerOf.size} pages into ${OWNERS.map((o) => `packages/${o.pkg}/docs`).join(", ")}`,
);
