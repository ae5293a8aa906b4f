#!/usr/bin/env node
// `npm run pack`: packs every public package (packages/*, not "private") with
// `npm pack` into one folder, as the registry would receive them. The tarballs
// are how test/fresh-apps.test.ts installs wfkit into apps outside this
// repository. Needs the build (`npm run build`): packages ship dist/ and the
// copied error pages.
//
//   node scripts/pack.mjs [--out DIR] [--json]
//
// Prints one line per tarball (or, with --json, { name: absolute tarball path }).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const outArg = args.includes("--out") ? args[args.indexOf("--out") + 1] : undefined;
if (args.includes("--out") && !outArg) fail("--out needs a folder.");
const out = path.resolve(outArg ?? path.join(root, "packs"));
const json = args.includes("--json");

function fail(message) {
  console.error(`pack: ${message}`);
  process.exit(1);
}

/** The public packages, in folder order. */
const packages = readdirSync(path.join(root, "packages"), { withFileTypes: true })
  .filter(
    (entry) => entry.isDirectory() && existsSync(path.join(root, "packages", entry.name, "package.json")),
  )
  .map((entry) => {
    const dir = path.join(root, "packages", entry.name);
    return { dir, manifest: JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) };
  })
  .filter(({ manifest }) => manifest.private !== true);

const unbuilt = packages.filter(({ dir }) => !existsSync(path.join(dir, "dist")));
if (unbuilt.length > 0)
  fail(`not built: ${unbuilt.map(({ manifest }) => manifest.name).join(", ")}. Run \`npm run build\` first.`);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// One npm call for all folders; --json lists what went into each tarball.
const packed = spawnSync(
  "npm",
  ["pack", ...packages.map(({ dir }) => dir), "--pack-destination", out, "--json", "--ignore-scripts"],
  { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
);
if (packed.status !== 0) fail(`npm pack exited with ${packed.status}.`);

const tarballs = {};
for (const entry of JSON.parse(packed.stdout)) {
  const tarball = path.join(out, entry.filename);
  if (!existsSync(tarball)) fail(`npm pack reported ${entry.filename}, but ${tarball} is missing.`);
  // A package whose dist did not make it into the tarball would install but not load.
  if (!entry.files.some((file) => file.path.startsWith("dist/")))
    fail(`${entry.name}: the tarball has no dist/ (check "files" in its package.json).`);
  tarballs[entry.name] = tarball;
}
if (json) console.log(JSON.stringify(tarballs, null, 2));
else
  for (const [name, tarball] of Object.entries(tarballs))
    console.log(`${name}\t${path.relative(root, tarball)}`);
