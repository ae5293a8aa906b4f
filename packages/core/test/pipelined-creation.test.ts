import { waitFor } from "@wfkit/testing-kit";
import type { World } from "@wfkit/world";
import { describe, expect, it } from "vitest";
import { testRuntime } from "./runtime-helpers.js";

// On a World that is this process's alone, a new run without an idempotency key goes on
// while its creation commits: its first step starts at once and its next turns are
// appended behind the creation (the World commits writes in order). start() still
// resolves only once the run is durable. A run with a key waits for its creation's
// commit: another start with the same key may have created the run already.

const steps = () => ((globalThis as { __creationSteps?: string[] }).__creationSteps ??= []);

/** The World, with its writes held (in order) until `open()`: a commit that takes its time. */
function heldWrites(world: World) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let chain: Promise<unknown> = gate;
  const writes = new Set<string | symbol>(["createRun", "append"]);
  const calls: string[] = [];
  const wrapped = new Proxy(world, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      if (!writes.has(key)) return value.bind(target);
      return (...args: unknown[]) => {
        calls.push(String(key));
        const result = chain.then(() => value.apply(target, args));
        chain = result.catch(() => {});
        return result;
      };
    },
  }) as World;
  return { wrapped, open: () => open(), calls };
}

describe("a new run's creation, pipelined", () => {
  it("starts the first step before the creation commits; start() resolves once the run is durable", async () => {
    const held = { open: () => {}, calls: [] as string[] };
    const { runtime, id } = await testRuntime(["creation.ts"], {}, (world) => {
      const h = heldWrites(world);
      Object.assign(held, { open: h.open, calls: h.calls });
      return h.wrapped;
    });
    try {
      let started = false;
      const starting = runtime.start(id("creation.ts", "twoSteps"), ["p"]).then((run) => {
        started = true;
        return run;
      });
      // Both steps run and the run's last turn is appended while nothing has committed yet.
      await waitFor("both steps ran before the creation committed", () =>
        steps().includes("p:b") && held.calls.length >= 2 ? true : undefined,
      );
      expect(held.calls[0]).toBe("createRun");
      expect(started).toBe(false);
      held.open();
      const run = await starting;
      expect(await run.returnValue).toEqual(["p:a", "p:b"]);
      const events = await runtime.world.readEvents(run.runId);
      expect(events.filter((e) => e.type === "step_completed")).toHaveLength(2);
      expect(steps().filter((s) => s.startsWith("p:"))).toEqual(["p:a", "p:b"]);
    } finally {
      held.open();
      await runtime.close();
    }
  });

  it("waits for the creation's commit when the run has an idempotency key", async () => {
    const held = { open: () => {}, calls: [] as string[] };
    const { runtime, id } = await testRuntime(["creation.ts"], {}, (world) => {
      const h = heldWrites(world);
      Object.assign(held, { open: h.open, calls: h.calls });
      return h.wrapped;
    });
    try {
      const starting = runtime.start(id("creation.ts", "twoSteps"), ["k"], { idempotencyKey: "key-1" });
      await waitFor("the creation handed to the World", () => (held.calls.length > 0 ? true : undefined));
      // A turn of the event loop for anything that would start early.
      await new Promise((resolve) => setImmediate(resolve));
      expect(steps().some((s) => s.startsWith("k:"))).toBe(false);
      held.open();
      const run = await starting;
      expect(await run.returnValue).toEqual(["k:a", "k:b"]);
    } finally {
      held.open();
      await runtime.close();
    }
  });

  it("a creation that fails rejects start(), and the runtime goes on", async () => {
    let fail = true;
    const { runtime, id } = await testRuntime(["creation.ts"], {}, (world) => {
      return new Proxy(world, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver);
          if (key === "createRun")
            return (input: Parameters<World["createRun"]>[0]) =>
              fail ? Promise.reject(new Error("disk full")) : target.createRun(input);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }) as World;
    });
    try {
      await expect(runtime.start(id("creation.ts", "twoSteps"), ["f"])).rejects.toThrow("disk full");
      expect(await runtime.world.listRuns({})).toEqual([]);
      fail = false;
      const run = await runtime.start(id("creation.ts", "twoSteps"), ["ok"]);
      expect(await run.returnValue).toEqual(["ok:a", "ok:b"]);
    } finally {
      await runtime.close();
    }
  });
});
