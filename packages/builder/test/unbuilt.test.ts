// A workflow file that does not build fails only its own workflows: a real
// build of two files, one of them broken, on a real runtime.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { tempDir, waitFor } from "@wfkit/testing-kit";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { buildAppBundles } from "../src/bundle/isolate.js";
import { type AppRuntime, createAppRuntime } from "../src/index.js";

const GOOD = `
export async function hello(name: string) {
  "use workflow";
  return "hello " + name;
}
`;
const approvals = (suffix: string) => `
import { createHook } from "workflow";

async function stamp(text: string) {
  "use step";
  return text + "${suffix}";
}

export async function approve(token: string) {
  "use workflow";
  const { ok } = await createHook<{ ok: boolean }>({ token });
  return await stamp(ok ? "approved" : "refused");
}
`;
// A syntax error on line 3: an unclosed call.
const BROKEN = `export async function approve(token: string) {
  "use workflow";
  return token.toUpperCase(;
}
`;

const root = tempDir("wfkit-unbuilt-");
mkdirSync(path.join(root, "workflows"), { recursive: true });
const write = (name: string, text: string) => writeFileSync(path.join(root, "workflows", name), text);
afterAll(() => rmSync(root, { recursive: true, force: true }));
const logged: string[] = [];
let app: AppRuntime | undefined;
afterAll(() => app?.close());

describe("a workflow file that does not build", () => {
  it("is left out of the bundles with its diagnostic; the other file builds", async () => {
    write("hello.ts", GOOD);
    write("approve.ts", BROKEN);
    const built = await buildAppBundles({
      root,
      files: ["workflows/hello.ts", "workflows/approve.ts"],
      outDir: path.join(root, ".wfkit"),
    });
    expect(built.workflows.manifest.workflows.map((w) => w.id)).toEqual(["workflow//workflows/hello//hello"]);
    expect(built.unbuilt).toHaveLength(1);
    expect(built.unbuilt[0]!.file).toBe("workflows/approve.ts");
    // The compiler's diagnostic: its code, the place as the user wrote it, and the code frame.
    const { message } = built.unbuilt[0]!;
    expect(message).toMatch(/^WF_C000_PARSE_ERROR: /);
    expect(message).toContain("at workflows/approve.ts:3:28");
    expect(message).toContain("> 3 |   return token.toUpperCase(;");
  });

  it("whose step imports a package that is not installed is left out; the other file builds", async () => {
    const dir = tempDir("wfkit-unbuilt-missing-");
    mkdirSync(path.join(dir, "workflows"), { recursive: true });
    writeFileSync(path.join(dir, "workflows", "hello.ts"), GOOD);
    // Only the step uses it, so the workflow bundle drops the import: the step bundle is where it fails.
    writeFileSync(
      path.join(dir, "workflows", "mail.ts"),
      `import { send } from "@wfkit-test/not-installed/mail";

async function deliver(to: string) {
  "use step";
  return send(to);
}

export async function mail(to: string) {
  "use workflow";
  return deliver(to);
}
`,
    );
    try {
      const built = await buildAppBundles({
        root: dir,
        files: ["workflows/hello.ts", "workflows/mail.ts"],
        outDir: path.join(dir, ".wfkit"),
      });
      expect(built.workflows.manifest.workflows.map((w) => w.id)).toEqual([
        "workflow//workflows/hello//hello",
      ]);
      expect(built.unbuilt.map((u) => u.file)).toEqual(["workflows/mail.ts"]);
      expect(built.unbuilt[0]!.message).toContain(
        'workflows/mail.ts:1:22: Could not resolve "@wfkit-test/not-installed/mail": a step imports it and it is not installed (npm install @wfkit-test/not-installed).',
      );
      // The step bundle that was built loads: the missing package is not among its imports.
      await import(pathToFileURL(built.steps.file).href);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails only its own workflows at start; a run under way waits while it is broken and continues once it builds", async () => {
    write("hello.ts", GOOD);
    write("approve.ts", approvals(" by the first build"));
    app = await createAppRuntime({
      root,
      world: sqliteWorld({ dataDir: path.join(root, ".data") }),
      buildDir: path.join(root, ".wfkit"),
      runtime: { log: (_level, args) => logged.push(args.map(String).join(" ")) },
      setDefault: false,
    });
    const { runtime } = app;
    const run = await runtime.start("workflow//workflows/approve//approve", ["tok-1"]);
    await waitFor("the run's hook", () => runtime.world.getHook("tok-1"));

    write("approve.ts", BROKEN);
    await app.rebuild();
    expect(
      logged.some((l) => l.includes("wfkit: workflows/approve.ts did not build (WF_WORKFLOW_BUILD_FAILED)")),
    ).toBe(true);
    // The other file's workflows still start and complete.
    expect(await (await runtime.start("workflow//workflows/hello//hello", ["ana"])).returnValue).toBe(
      "hello ana",
    );
    // Starting a workflow of the broken file is refused with the code and the diagnostic.
    await expect(runtime.start("workflow//workflows/approve//approve", ["tok-2"])).rejects.toMatchObject({
      code: "WF_WORKFLOW_BUILD_FAILED",
      message: expect.stringContaining("at workflows/approve.ts:3:28"),
    });

    // The payload for the run under way waits (parked), the run is not failed.
    let delivered = false;
    const resumed = runtime.resumeHook("tok-1", { ok: true }).then(() => {
      delivered = true;
    });
    await waitFor("the parked line", () => logged.find((l) => l.includes(`run ${run.runId} waits`)));
    expect((await runtime.world.getRun(run.runId))?.status).toBe("running");
    expect(delivered).toBe(false);

    write("approve.ts", approvals(" by the fixed build"));
    await app.rebuild();
    await resumed;
    expect(await run.returnValue).toBe("approved by the fixed build");
  });

  it("whose top-level code throws in the sandbox: start() says where, and the process keeps running", async () => {
    const dir = tempDir("wfkit-bundle-threw-");
    mkdirSync(path.join(dir, "workflows"), { recursive: true });
    writeFileSync(
      path.join(dir, "workflows", "stream.ts"),
      `const Base = (globalThis as any).BroadcastChannel;
if (!Base) throw new ReferenceError("BroadcastChannel is not defined");

export async function pipe() {
  "use workflow";
  return 1;
}
`,
    );
    const threw = await createAppRuntime({
      root: dir,
      world: sqliteWorld({ dataDir: path.join(dir, ".data") }),
      buildDir: path.join(dir, ".wfkit"),
      runtime: { log() {} },
      setDefault: false,
    });
    try {
      const error = await threw.runtime.start("workflow//workflows/stream//pipe").then(
        () => expect.unreachable("start should throw"),
        (e: Error & { code?: string }) => e,
      );
      expect(error.code).toBe("WF_WORKFLOW_BUNDLE_THREW");
      expect(error.message).toContain("ReferenceError: BroadcastChannel is not defined");
      expect(error.message).toContain(
        "ReferenceError: BroadcastChannel is not defined\n    at workflows/stream.ts:2:18",
      );
      expect(error.message).not.toMatch(/wfkit-workflows-/);
      // Starting again gives the same answer: the pool did not die with it, nor did this process.
      await expect(threw.runtime.start("workflow//workflows/stream//pipe")).rejects.toMatchObject({
        code: "WF_WORKFLOW_BUNDLE_THREW",
      });
    } finally {
      await threw.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
