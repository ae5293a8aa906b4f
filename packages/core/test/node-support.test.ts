// The workflow sandbox needs vm.constants.DONT_CONTEXTIFY (Node >= 20.18 / 22.8): on a
// Node without it the runtime refuses to start with WF_NODE_UNSUPPORTED, before any run.
import { afterEach, describe, expect, it, vi } from "vitest";

afterEach(() => {
  vi.doUnmock("node:vm");
  vi.resetModules();
});

describe("the Node.js version", () => {
  it("this one can run workflow sandboxes", async () => {
    const { sandboxNodeSupport } = await import("../src/host/sandbox-vm.js");
    expect(sandboxNodeSupport()).toBeUndefined();
  });

  it("one whose vm has no DONT_CONTEXTIFY is refused when the runtime starts, with a code and the versions to use", async () => {
    vi.resetModules();
    vi.doMock("node:vm", async () => {
      const real = await vi.importActual<typeof import("node:vm")>("node:vm");
      const { DONT_CONTEXTIFY: _, ...constants } = real.constants as Record<string, unknown>;
      const vm = { ...real, constants };
      return { ...vm, default: vm };
    });
    const { testRuntime } = await import("./runtime-helpers.js");
    let thrown: unknown;
    await testRuntime(["first-step.ts"]).catch((error: unknown) => (thrown = error));
    expect((thrown as { code?: string }).code).toBe("WF_NODE_UNSUPPORTED");
    expect(String((thrown as Error).message)).toMatch(/20\.19 or later .* 22\.8 or later/);
  });
});
