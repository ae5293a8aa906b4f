import { describe, expect, it } from "vitest";
import type { StreamChunkInput } from "../streams.js";
import { type ConformanceContext, createRun, nastyStrings } from "./context.js";

function chunks(writer: string, data: string[], firstSeq = 0): StreamChunkInput[] {
  return data.map((d, i) => ({ writer, seq: firstSeq + i, data: d }));
}

/** Streams: ordered chunks per run and namespace, once per (writer, seq), closed once. */
export function describeStreams(ctx: ConformanceContext): void {
  describe("streams", () => {
    it("appends in order, reads from an index with a limit, and reports the tail", async () => {
      const run = await createRun(ctx.world);
      const s = ctx.world.streams;
      expect(await s.info(run.runId, "")).toEqual({ tailIndex: -1, closed: false });
      expect(await s.append({ runId: run.runId, namespace: "", chunks: chunks("op1", ["a", "b"]) })).toEqual({
        ok: true,
        appended: 2,
        tailIndex: 1,
      });
      await s.append({ runId: run.runId, namespace: "", chunks: chunks("op2", ["c"]) });
      const all = await s.read(run.runId, "");
      expect(all).toEqual({
        tailIndex: 2,
        closed: false,
        chunks: [
          { index: 0, data: "a" },
          { index: 1, data: "b" },
          { index: 2, data: "c" },
        ],
      });
      const some = await s.read(run.runId, "", { fromIndex: 1, limit: 1 });
      expect(some.chunks).toEqual([{ index: 1, data: "b" }]);
      expect((await s.read(run.runId, "", { fromIndex: 3 })).chunks).toEqual([]);
    });

    it("lists a run's streams by namespace with their tails (Worlds that implement list)", async () => {
      const s = ctx.world.streams;
      if (!s.list) return;
      const run = await createRun(ctx.world);
      const other = await createRun(ctx.world);
      expect(await s.list(run.runId)).toEqual([]);
      await s.append({ runId: run.runId, namespace: "logs", chunks: chunks("op1", ["a", "b"]) });
      await s.append({ runId: run.runId, namespace: "", chunks: chunks("op1", ["x"]), close: true });
      await s.append({ runId: other.runId, namespace: "elsewhere", chunks: chunks("op1", ["y"]) });
      expect(await s.list(run.runId)).toEqual([
        { namespace: "", tailIndex: 0, closed: true },
        { namespace: "logs", tailIndex: 1, closed: false },
      ]);
    });

    it("keeps namespaces and runs apart, and stores data byte-exact", async () => {
      const a = await createRun(ctx.world);
      const b = await createRun(ctx.world);
      const s = ctx.world.streams;
      await s.append({ runId: a.runId, namespace: "", chunks: chunks("w", Object.values(nastyStrings)) });
      await s.append({ runId: a.runId, namespace: "logs", chunks: chunks("w", ["log"]) });
      await s.append({ runId: b.runId, namespace: "", chunks: chunks("w", ["other"]) });
      expect((await s.read(a.runId, "")).chunks.map((c) => c.data)).toEqual(Object.values(nastyStrings));
      expect((await s.read(a.runId, "logs")).chunks.map((c) => c.data)).toEqual(["log"]);
      expect((await s.read(b.runId, "")).chunks.map((c) => c.data)).toEqual(["other"]);
    });

    it("stores a chunk once per (writer, seq): a repeated write is skipped", async () => {
      const run = await createRun(ctx.world);
      const s = ctx.world.streams;
      await s.append({ runId: run.runId, namespace: "", chunks: chunks("op1", ["a", "b"]) });
      // A retry writes its first two chunks again, then a new one.
      const again = await s.append({
        runId: run.runId,
        namespace: "",
        chunks: chunks("op1", ["a", "b", "c"]),
      });
      expect(again).toEqual({ ok: true, appended: 1, tailIndex: 2 });
      // The same seq from another writer is another chunk.
      await s.append({ runId: run.runId, namespace: "", chunks: chunks("op2", ["d"]) });
      expect((await s.read(run.runId, "")).chunks.map((c) => c.data)).toEqual(["a", "b", "c", "d"]);
    });

    it("a closed stream takes no more chunks, and says so", async () => {
      const run = await createRun(ctx.world);
      const s = ctx.world.streams;
      await s.append({ runId: run.runId, namespace: "", chunks: chunks("w", ["a"]), close: true });
      expect(await s.info(run.runId, "")).toEqual({ tailIndex: 0, closed: true });
      expect(await s.append({ runId: run.runId, namespace: "", chunks: chunks("w", ["b"], 1) })).toEqual({
        ok: false,
        reason: "closed",
        tailIndex: 0,
      });
      // A writer repeating itself after the close (a retry) is not an error; nor is closing again.
      expect(
        await s.append({ runId: run.runId, namespace: "", chunks: chunks("w", ["a"]), close: true }),
      ).toEqual({ ok: true, appended: 0, tailIndex: 0 });
      expect(await s.read(run.runId, "")).toEqual({
        tailIndex: 0,
        closed: true,
        chunks: [{ index: 0, data: "a" }],
      });
    });

    it("tells listeners of appends and of the close, after the commit", async () => {
      const run = await createRun(ctx.world);
      const s = ctx.world.streams;
      const seen: Array<{ runId: string; namespace: string; tail: number }> = [];
      let notified: () => void = () => {};
      const unsubscribe = s.onAppend((event) => {
        // Whatever the listener reads is already committed.
        void s.info(event.runId, event.namespace).then((info) => {
          seen.push({ ...event, tail: info.tailIndex });
          notified();
        });
      });
      const first = new Promise<void>((r) => (notified = r));
      await s.append({ runId: run.runId, namespace: "n", chunks: chunks("w", ["a"]) });
      await first;
      expect(seen[0]).toEqual({ runId: run.runId, namespace: "n", tail: 0 });
      unsubscribe();
      await s.append({ runId: run.runId, namespace: "n", chunks: [], close: true });
      expect((await s.info(run.runId, "n")).closed).toBe(true);
      expect(seen).toHaveLength(1);
    });

    it("chunks and the close survive a reopen", async ({ skip }) => {
      if (!ctx.canReopen) skip();
      const run = await createRun(ctx.world);
      await ctx.world.streams.append({ runId: run.runId, namespace: "", chunks: chunks("op1", ["a", "b"]) });
      await ctx.world.streams.append({ runId: run.runId, namespace: "x", chunks: [], close: true });
      const world = await ctx.reopen();
      expect((await world.streams.read(run.runId, "")).chunks.map((c) => c.data)).toEqual(["a", "b"]);
      expect(await world.streams.info(run.runId, "x")).toEqual({ tailIndex: -1, closed: true });
      // Keys survive too: a retry after the restart is still deduplicated.
      await world.streams.append({ runId: run.runId, namespace: "", chunks: chunks("op1", ["a", "b", "c"]) });
      expect((await world.streams.read(run.runId, "")).chunks.map((c) => c.data)).toEqual(["a", "b", "c"]);
    });
  });
}
