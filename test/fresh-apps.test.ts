// The packed tarballs are the proof that wfkit installs into an app of your
// own: scripts/pack.mjs packs every public package, and each test here writes
// a brand-new app in a temporary folder outside this repository, installs the
// tarballs the way docs/install.md says (the umbrella under the name
// `workflow`), builds it for production, starts it, and runs a workflow with a
// webhook over HTTP. A Vite app must not get Next.js, and a Next app not Vite.
// Slow (npm install, better-sqlite3 and a production build per app); needs
// `npm run build` and the npm registry (versions the repository already uses,
// so npm's cache serves them).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Child, freePort, getJson, startChild, startRun, waitFor } from "@wfkit/testing-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextAppFiles, type Tarballs, viteAppFiles } from "./fresh-apps/files.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const MINUTE = 60_000;
const work = path.join(tmpdir(), `wfkit-fresh-apps-${process.pid}`);
let tarballs: Tarballs;
/** Settings for `npm install` in the apps (see localPrebuild). */
const installEnv: Record<string, string> = {};

/**
 * better-sqlite3 installs with prebuild-install, which downloads a binary
 * or else compiles SQLite from source (minutes on a busy machine, twice here).
 * prebuild-install first looks in the folder `npm_config_better_sqlite3_local_prebuilds`
 * names, so hand it the binary this repository's install already has: same
 * version, Node ABI and platform. Without one, npm compiles as usual.
 */
function localPrebuild(): void {
  const pkg = path.join(root, "node_modules/better-sqlite3");
  const binary = path.join(pkg, "build/Release/better_sqlite3.node");
  if (!existsSync(binary)) return;
  const { version } = JSON.parse(readFileSync(path.join(pkg, "package.json"), "utf8")) as { version: string };
  const dir = path.join(work, "prebuilds");
  mkdirSync(dir, { recursive: true });
  const file = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  run("tar", ["czf", path.join(dir, file), "-C", pkg, "build/Release/better_sqlite3.node"], root);
  installEnv.npm_config_better_sqlite3_local_prebuilds = dir;
}

/** The environment of npm and the apps: none of the npm_* settings `npm test` passes down. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { NEXT_TELEMETRY_DISABLED: "1", CI: "true", ...extra };
  for (const key of Object.keys(process.env)) if (/^npm_/i.test(key)) env[key] = undefined;
  env.WORKFLOW_DATA_DIR = undefined;
  env.WORKFLOW_PUBLIC_URL = undefined;
  env.NODE_OPTIONS = undefined;
  return env;
}

/** Runs a command to its end; throws with its output unless it exits 0. */
function run(command: string, args: string[], cwd: string, extra: Record<string, string> = {}): string {
  const env = { ...process.env, ...cleanEnv(extra) };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", maxBuffer: 64 << 20 });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(" ")} in ${cwd} exited ${result.status}:\n${output}`);
  return output;
}

function writeApp(dir: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
}

/** Every package name installed anywhere under `dir`/node_modules, nested ones included. */
function installedPackages(dir: string, found = new Set<string>()): Set<string> {
  const modules = path.join(dir, "node_modules");
  if (!existsSync(modules)) return found;
  for (const entry of readdirSync(modules, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    const names = entry.name.startsWith("@")
      ? readdirSync(path.join(modules, entry.name)).map((child) => `${entry.name}/${child}`)
      : [entry.name];
    for (const name of names) {
      if (!existsSync(path.join(modules, name, "package.json"))) continue;
      found.add(name);
      installedPackages(path.join(modules, name), found);
    }
  }
  return found;
}

/** Starts a run through the app's route, delivers its webhook, and returns the run once it completed. */
async function runOrderWithWebhook(base: string) {
  const { runId } = await startRun(`${base}/api/start`, { orderId: "order-7" });
  type RunJson = { status: string; webhookUrl: string | null; output: unknown };
  const { webhookUrl } = await waitFor(
    "the run to publish its webhook URL",
    async () => {
      const answer = await getJson<RunJson>(`${base}/api/runs/${runId}`);
      return answer.webhookUrl ? answer : undefined;
    },
    { timeoutMs: 60_000 },
  );
  // The app's own origin (Next.js names it localhost), the port it listens on, the webhook route.
  const { port } = new URL(base);
  expect(webhookUrl).toMatch(
    new RegExp(`^http://(localhost|127\\.0\\.0\\.1):${port}/\\.well-known/workflow/v1/webhook/`),
  );
  const delivered = await fetch(webhookUrl!, { method: "POST", body: JSON.stringify({ cents: 1250 }) });
  expect(delivered.status).toBe(202);
  return waitFor(
    "the run to complete",
    async () => {
      const answer = await getJson<RunJson>(`${base}/api/runs/${runId}`);
      if (answer.status === "failed" || answer.status === "cancelled")
        throw new Error(JSON.stringify(answer));
      return answer.status === "completed" ? answer : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

beforeAll(() => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  if (work.startsWith(root)) throw new Error(`${work} is inside the repository`);
  localPrebuild();
  tarballs = JSON.parse(
    run(
      process.execPath,
      [path.join(root, "scripts/pack.mjs"), "--out", path.join(work, "packs"), "--json"],
      root,
    ),
  );
}, 5 * MINUTE);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each([
  { kind: "next", files: nextAppFiles, absent: "vite", present: "next" },
  { kind: "vite", files: viteAppFiles, absent: "next", present: "vite" },
])("a fresh $kind app with the packed tarballs", ({ kind, files, absent, present }) => {
  const dir = path.join(work, `${kind}-app`);
  let server: Child | undefined;

  afterAll(async () => {
    await server?.stop();
  });

  it(
    "installs with `workflow` as an alias of @wfkit/workflow, with the wf bin and without " + absent,
    () => {
      writeApp(dir, files(tarballs));
      run("npm", ["install", "--no-audit", "--no-fund"], dir, installEnv);
      const umbrella = JSON.parse(readFileSync(path.join(dir, "node_modules/workflow/package.json"), "utf8"));
      expect(umbrella.name).toBe("@wfkit/workflow");
      const installed = installedPackages(dir);
      expect(installed.has(present)).toBe(true);
      expect(installed.has(absent), `${absent} is installed in the ${kind} app`).toBe(false);
      expect(run(path.join(dir, "node_modules/.bin/wf"), ["help"], dir)).toMatch(
        /^wf — the wfkit command line/,
      );
    },
    15 * MINUTE,
  );

  it(
    "builds for production, starts, and completes a run whose webhook is called over HTTP",
    async () => {
      run("npm", ["run", "build"], dir);
      const port = await freePort();
      server =
        kind === "next"
          ? startChild([path.join(dir, "node_modules/next/dist/bin/next"), "start", "-p", String(port)], {
              cwd: dir,
              env: cleanEnv(),
              name: "next start",
              group: true,
            })
          : startChild(["server.mjs"], {
              cwd: dir,
              env: cleanEnv({ PORT: String(port) }),
              name: "node server.mjs",
            });
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        "the workflow runtime to answer",
        async () => {
          const response = await fetch(`${base}/.well-known/workflow/v1/health`).catch(() => undefined);
          return response?.ok ? true : undefined;
        },
        { timeoutMs: 2 * MINUTE },
      );
      const done = await runOrderWithWebhook(base);
      expect(done.output).toEqual({ orderId: "order-7", status: "paid", receipt: "rcpt-order-7-1250" });
    },
    15 * MINUTE,
  );
});
