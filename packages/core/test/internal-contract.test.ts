// `workflow/internal` is the contract between compiled code and the runtime:
// exactly the functions docs/internals/compiled-output.md lists, nothing more
// (realm plumbing such as installHost or registry stays private to core).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as coreWorkflow from "../src/workflow/index.js";
import * as coreInternal from "../src/workflow/internal.js";

const CONTRACT = [
  "markStep",
  "markWorkflow",
  "registerClass",
  "registerStep",
  "registerWorkflow",
  "stepClosure",
  "stepProxy",
  "workflowCalledDirectly",
];

/** The `__wf.<name>(` calls of the table in docs/internals/compiled-output.md. */
function documented(): string[] {
  const doc = readFileSync(new URL("../../../docs/internals/compiled-output.md", import.meta.url), "utf8");
  return [...new Set([...doc.matchAll(/^\|\s*`__wf\.(\w+)\(/gm)].map((m) => m[1]!))].sort();
}

describe("workflow/internal", () => {
  it("exports exactly the compiled-output contract", () => {
    expect(Object.keys(coreInternal).sort()).toEqual(CONTRACT);
  });

  it("matches the table in docs/internals/compiled-output.md", () => {
    expect(documented()).toEqual(CONTRACT);
  });

  it("the umbrella's workflow/internal is the same list", async () => {
    const umbrella = await import("workflow/internal");
    expect(Object.keys(umbrella).sort()).toEqual(CONTRACT);
  });

  it("realm plumbing is public nowhere", async () => {
    const umbrella = await import("workflow");
    for (const name of ["installHost", "currentHost", "registry", "requireWorkflowHost"]) {
      expect(Object.keys(coreWorkflow), name).not.toContain(name);
      expect(Object.keys(umbrella), name).not.toContain(name);
    }
  });
});
