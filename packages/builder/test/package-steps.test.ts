// Installed packages written for workflows (their published JavaScript holds
// "use step" functions, like the peer's @workflow/ai) are compiled in both
// bundles, so their steps run as steps; other packages stay as they are.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Runtime } from "@wfkit/core";
import { tempDir } from "@wfkit/testing-kit";
import { memoryWorld } from "@wfkit/world/memory";
import { afterAll, describe, expect, it } from "vitest";
import { buildStepBundle, buildWorkflowBundle } from "../src/index.js";

const root = tempDir("wfkit-package-steps-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FILES: Record<string, string> = {
  "workflows/agent.ts": `
import { kitWhisper } from "agent-kit";
import { makeEcho, shout } from "fake-agent";

export async function agent(text: string) {
  "use workflow";
  const echo = makeEcho("echo");
  return [await shout(text), await echo(text), await kitWhisper(text)];
}
`,
  // A package written for workflows: it declares workflow as a peer, ships steps in plain JS.
  "node_modules/fake-agent/package.json": JSON.stringify({
    name: "fake-agent",
    type: "module",
    exports: { ".": "./dist/index.js", "./whisper": "./dist/whisper.js" },
    peerDependencies: { workflow: "^4.3.0" },
  }),
  "node_modules/fake-agent/dist/index.js": `import { label } from "./label.js";
import { lower } from "plain-lib";

export async function shout(text) {
  "use step";
  return label(text.toUpperCase()) + lower("X") + String(typeof process);
}

export function makeEcho(prefix) {
  return async (value) => {
    "use step";
    return prefix + ":" + value;
  };
}
`,
  // Reached only through agent-kit below.
  "node_modules/fake-agent/dist/whisper.js": `export async function whisper(text) {
  "use step";
  return text.toLowerCase() + "…" + String(typeof process);
}
`,
  "node_modules/fake-agent/dist/label.js": "export const label = (s) => `[${s}]`;\n",
  // An ordinary package in between: it depends on the workflow package and re-exports a step of it.
  "node_modules/agent-kit/package.json": JSON.stringify({
    name: "agent-kit",
    type: "module",
    main: "index.js",
    dependencies: { "fake-agent": "1.0.0" },
  }),
  "node_modules/agent-kit/index.js": 'export { whisper as kitWhisper } from "fake-agent/whisper";\n',
  // An ordinary package whose text happens to hold the directive's words: left alone.
  "node_modules/plain-lib/package.json": JSON.stringify({
    name: "plain-lib",
    type: "module",
    main: "index.js",
  }),
  "node_modules/plain-lib/index.js": `export const lower = (s) => s.toLowerCase();
export const note = "'use step' is only text here";
`,
};
for (const [file, text] of Object.entries(FILES)) {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
}

describe("steps in installed packages", () => {
  it("are compiled in both bundles under the package's ids and run as steps, on the host", async () => {
    const files = ["workflows/agent.ts"];
    const [workflows, steps] = await Promise.all([
      buildWorkflowBundle({ root, files }),
      buildStepBundle({ root, files, outDir: path.join(root, ".wfkit") }),
    ]);
    const ids = workflows.manifest.steps.map((s) => s.id).sort();
    expect(ids).toContain("step//fake-agent/dist/index//shout");
    expect(ids).toContain("step//fake-agent/dist/whisper//whisper");
    expect(ids.length).toBe(3);
    // The step bundle registers the same ids, so the workflow's calls find their steps.
    expect(steps.manifest.steps.map((s) => s.id).sort()).toEqual(ids);
    const code = readFileSync(steps.file, "utf8");
    // The package is bundled (compiled); the ordinary packages stay external.
    expect(code).not.toMatch(/from\s+"fake-agent"/);
    expect(code).not.toContain("agent-kit");
    expect(code).toMatch(/from\s+"plain-lib"/);

    await import(pathToFileURL(steps.file).href);
    const runtime = new Runtime({ world: memoryWorld(), workflows, log: () => {} });
    try {
      const run = await runtime.start("workflow//workflows/agent//agent", ["hi"]);
      // `process` exists only on the host: the package's step ran there, not inline in the sandbox.
      expect(await run.returnValue).toEqual(["[HI]xobject", "echo:hi", "hi…object"]);
    } finally {
      await runtime.close();
    }
  });
});
