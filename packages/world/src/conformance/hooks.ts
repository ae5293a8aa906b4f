import { describe, expect, it } from "vitest";
import { opId, type RunId } from "../ids.js";
import type { ConformanceContext } from "./context.js";
import { createRun, expectOk } from "./context.js";

/** Live hooks by token: created and released with appends, unique across runs. */
export function describeHooks(ctx: ConformanceContext): void {
  describe("hooks", () => {
    it("a created hook is live: getHook returns it with its fields", async () => {
      const run = await createRun(ctx.world);
      const before = Date.now();
      expectOk(
        await ctx.world.append({
          runId: run.runId,
          events: [],
          hooks: {
            create: [
              { token: "plain", opId: opId(1), kind: "hook" },
              { token: "hooked", opId: opId(2), kind: "webhook", metadata: '{"m":1}', respondWith: "manual" },
              { token: "static", opId: opId(3), kind: "webhook", respondWith: { static: '{"status":204}' } },
              { token: "signed", opId: opId(4), kind: "webhook", verify: "github" },
            ],
          },
        }),
      );
      const after = Date.now();
      const plain = await ctx.world.getHook("plain");
      expect(plain).toEqual({
        token: "plain",
        runId: run.runId,
        opId: 1,
        kind: "hook",
        createdAt: expect.any(Number),
      });
      expect(plain?.createdAt).toBeGreaterThanOrEqual(before);
      expect(plain?.createdAt).toBeLessThanOrEqual(after);
      expect(await ctx.world.getHook("hooked")).toMatchObject({ metadata: '{"m":1}', respondWith: "manual" });
      expect(await ctx.world.getHook("static")).toMatchObject({ respondWith: { static: '{"status":204}' } });
      expect(await ctx.world.getHook("signed")).toMatchObject({ kind: "webhook", verify: "github" });
    });

    it("getHook of an unknown token is null and listHooks of an unknown run is empty", async () => {
      expect(await ctx.world.getHook("nope")).toBeNull();
      expect(await ctx.world.listHooks({ runId: "wrun_missing" })).toEqual([]);
    });

    it("listHooks returns a run's live hooks in creation order", async () => {
      const run = await createRun(ctx.world);
      const other = await createRun(ctx.world);
      const create = (runId: RunId, tokens: string[]) =>
        ctx.world.append({
          runId,
          events: [],
          hooks: { create: tokens.map((token, i) => ({ token, opId: opId(i), kind: "hook" as const })) },
        });
      expectOk(await create(run.runId, ["z", "a"]));
      expectOk(await create(other.runId, ["m"]));
      expectOk(await create(run.runId, ["k"]));
      expectOk(await ctx.world.append({ runId: run.runId, events: [], hooks: { release: ["a"] } }));
      expectOk(await create(run.runId, ["b"]));
      expect((await ctx.world.listHooks({ runId: run.runId })).map((h) => h.token)).toEqual(["z", "k", "b"]);
      expect(await ctx.world.listHooks({ runId: other.runId })).toEqual([await ctx.world.getHook("m")]);
    });

    it("a released token is free for any run to take", async () => {
      const first = await createRun(ctx.world);
      const second = await createRun(ctx.world);
      const hook = { token: "order-42", opId: opId(1), kind: "hook" as const };
      expectOk(await ctx.world.append({ runId: first.runId, events: [], hooks: { create: [hook] } }));
      expectOk(
        await ctx.world.append({
          runId: first.runId,
          events: [],
          hooks: { release: ["order-42", "unknown"] },
        }),
      );
      expect(await ctx.world.getHook("order-42")).toBeNull();
      expectOk(await ctx.world.append({ runId: second.runId, events: [], hooks: { create: [hook] } }));
      expect(await ctx.world.getHook("order-42")).toMatchObject({ runId: second.runId });
    });

    it("a run cannot release another run's hook", async () => {
      const owner = await createRun(ctx.world);
      const other = await createRun(ctx.world);
      expectOk(
        await ctx.world.append({
          runId: owner.runId,
          events: [],
          hooks: { create: [{ token: "mine", opId: opId(1), kind: "hook" }] },
        }),
      );
      expectOk(await ctx.world.append({ runId: other.runId, events: [], hooks: { release: ["mine"] } }));
      expect(await ctx.world.getHook("mine")).toMatchObject({ runId: owner.runId });
    });

    it("hook_conflict when another run holds the token, and nothing is written", async () => {
      const owner = await createRun(ctx.world);
      const run = await createRun(ctx.world);
      expectOk(
        await ctx.world.append({
          runId: owner.runId,
          events: [],
          hooks: { create: [{ token: "shared", opId: opId(1), kind: "hook" }] },
        }),
      );
      expect(
        await ctx.world.append({
          runId: run.runId,
          events: [{ v: 1, type: "hook_created", opId: opId(1), token: "shared", kind: "hook", at: 3 }],
          enqueue: [{ runId: run.runId, kind: "timer", opId: opId(9), availableAt: 0 }],
          hooks: {
            create: [
              { token: "fresh", opId: opId(2), kind: "hook" },
              { token: "shared", opId: opId(1), kind: "hook" },
            ],
          },
          dedupeKeys: ["hook:1"],
        }),
      ).toEqual({ ok: false, reason: "hook_conflict", token: "shared", ownerRunId: owner.runId });
      expect(await ctx.world.readEvents(run.runId)).toHaveLength(1);
      expect(await ctx.world.getHook("fresh")).toBeNull();
      expect(await ctx.world.getHook("shared")).toMatchObject({ runId: owner.runId });
      expect(await ctx.world.nextAvailableAt()).toBeNull();
      expectOk(await ctx.world.append({ runId: run.runId, events: [], dedupeKeys: ["hook:1"] }));
    });

    it("hook_conflict when the run itself holds the token", async () => {
      const run = await createRun(ctx.world);
      const hook = { token: "again", opId: opId(1), kind: "hook" as const };
      expectOk(await ctx.world.append({ runId: run.runId, events: [], hooks: { create: [hook] } }));
      expect(
        await ctx.world.append({
          runId: run.runId,
          events: [],
          hooks: { create: [{ ...hook, opId: opId(2) }] },
        }),
      ).toEqual({
        ok: false,
        reason: "hook_conflict",
        token: "again",
        ownerRunId: run.runId,
      });
    });

    it("hook_conflict when one request creates a token twice", async () => {
      const run = await createRun(ctx.world);
      expect(
        await ctx.world.append({
          runId: run.runId,
          events: [],
          hooks: {
            create: [
              { token: "twice", opId: opId(1), kind: "hook" },
              { token: "twice", opId: opId(2), kind: "hook" },
            ],
          },
        }),
      ).toEqual({ ok: false, reason: "hook_conflict", token: "twice", ownerRunId: run.runId });
      expect(await ctx.world.getHook("twice")).toBeNull();
    });

    it("concurrent creates of one token by many runs: exactly one holds it", async () => {
      const runs = await Promise.all(Array.from({ length: 20 }, () => createRun(ctx.world)));
      const results = await Promise.all(
        runs.map((run) =>
          ctx.world.append({
            runId: run.runId,
            events: [],
            hooks: { create: [{ token: "race", opId: opId(1), kind: "hook" }] },
          }),
        ),
      );
      const winners = runs.filter((_, i) => results[i].ok);
      expect(winners).toHaveLength(1);
      for (const r of results) {
        if (!r.ok)
          expect(r).toEqual({
            ok: false,
            reason: "hook_conflict",
            token: "race",
            ownerRunId: winners[0].runId,
          });
      }
      expect(await ctx.world.getHook("race")).toMatchObject({ runId: winners[0].runId });
    });
  });
}
