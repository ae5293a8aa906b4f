// The WAL policy on real files: the WAL stays bounded while a World writes, is truncated
// to 0 bytes once the World is idle, and a reader in another connection that holds the
// WAL delays that truncation without blocking the World.
import { existsSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { opId, runId } from "@wfkit/world";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WAL_AUTOCHECKPOINT_PAGES, WAL_SIZE_LIMIT_BYTES } from "../src/checkpoint.js";
import { type SqliteWorld, sqliteWorld } from "../src/index.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "wfkit-checkpoint-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const walBytes = () => {
  const wal = join(dataDir, "world.sqlite-wal");
  return existsSync(wal) ? statSync(wal).size : 0;
};

/** Resolves once `condition` holds; fails after 20 s. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("the condition did not hold within 20 s");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const attempts = (world: SqliteWorld) =>
  (world as unknown as { checkpointer: { attempts: number } }).checkpointer.attempts;

/** `n` appends of one event carrying `bytes` of payload each. */
async function write(world: SqliteWorld, id: string, n: number, bytes: number, each?: () => void) {
  const payload = "p".repeat(bytes);
  for (let i = 0; i < n; i++) {
    const result = await world.append({
      runId: runId(id),
      events: [{ v: 1, type: "hook_received", opId: opId(1), payload, at: i }],
    });
    expect(result.ok).toBe(true);
    each?.();
  }
}

describe("WAL checkpoint policy", () => {
  it("keeps the WAL within the autocheckpoint's size, and cuts back a WAL that grew past its limit", async () => {
    const world = sqliteWorld({ dataDir, checkpointIdleMs: 0 });
    await world.createRun({ runId: runId("wrun_big"), workflowId: "wf", input: "[]", at: 0 });
    // The autocheckpoint's pages (plus frame headers), and one commit more, at most.
    const steady = (WAL_AUTOCHECKPOINT_PAGES + 16) * (4096 + 24) + 32;
    expect(steady).toBeLessThan(WAL_SIZE_LIMIT_BYTES);
    let largest = 0;
    const track = () => {
      largest = Math.max(largest, walBytes());
    };
    // 12 KB per commit (about 5 pages): 400 commits are 2,000 pages, two checkpoints' worth.
    await write(world, "wrun_big", 400, 12_000, track);
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThanOrEqual(steady);

    // A reader in another connection holds its snapshot: SQLite cannot reuse the WAL, which grows.
    const reader = new Database(join(dataDir, "world.sqlite"), { readonly: true });
    reader.exec("BEGIN");
    reader.prepare("SELECT count(*) AS n FROM events").get();
    await write(world, "wrun_big", 450, 12_000, track);
    expect(largest).toBeGreaterThan(WAL_SIZE_LIMIT_BYTES);
    reader.exec("COMMIT");
    reader.close();
    // Once SQLite reuses the WAL from its start, the file is cut back to the limit, and stays within it.
    let after = 0;
    await write(world, "wrun_big", 450, 12_000, () => {
      after = walBytes();
    });
    expect(after).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES);
    expect(await world.readEvents("wrun_big", 1_299)).toHaveLength(2);
    await world.close();
  });

  it("truncates the WAL to 0 bytes once no write came for checkpointIdleMs, and keeps every event", async () => {
    const world = sqliteWorld({ dataDir, checkpointIdleMs: 30 });
    await world.createRun({ runId: runId("wrun_idle"), workflowId: "wf", input: "[]", at: 0 });
    await write(world, "wrun_idle", 20, 100);
    expect(walBytes()).toBeGreaterThan(0);
    await until(() => walBytes() === 0);
    expect(attempts(world)).toBeGreaterThan(0);
    // The data is in the database file now: another connection reads it without the WAL.
    const raw = new Database(join(dataDir, "world.sqlite"), { readonly: true });
    expect(raw.prepare("SELECT count(*) AS n FROM events").get()).toEqual({ n: 21 });
    raw.close();
    // Writing again works, and the next quiet period truncates again.
    await write(world, "wrun_idle", 5, 100);
    expect(walBytes()).toBeGreaterThan(0);
    await until(() => walBytes() === 0);
    expect(await world.readEvents("wrun_idle")).toHaveLength(26);
    await world.close();
  });

  it("a reader holding the WAL in another connection delays the truncation, and does not block the World", async () => {
    const world = sqliteWorld({ dataDir, checkpointIdleMs: 20 });
    await world.createRun({ runId: runId("wrun_reader"), workflowId: "wf", input: "[]", at: 0 });
    const reader = new Database(join(dataDir, "world.sqlite"), { readonly: true });
    reader.exec("BEGIN");
    expect(reader.prepare("SELECT count(*) AS n FROM events").get()).toEqual({ n: 1 });
    await write(world, "wrun_reader", 10, 100);
    // Two tries that found the reader: the WAL is still there, and the World still writes.
    await until(() => attempts(world) >= 2);
    expect(walBytes()).toBeGreaterThan(0);
    await write(world, "wrun_reader", 1, 100);
    // The reader still sees its snapshot.
    expect(reader.prepare("SELECT count(*) AS n FROM events").get()).toEqual({ n: 1 });
    reader.exec("COMMIT");
    reader.close();
    await until(() => walBytes() === 0);
    expect(await world.readEvents("wrun_reader")).toHaveLength(12);
    await world.close();
  });

  it("is off with checkpointIdleMs 0: the WAL is reused, not truncated, while the World is open", async () => {
    const world = sqliteWorld({ dataDir, checkpointIdleMs: 0 });
    await world.createRun({ runId: runId("wrun_off"), workflowId: "wf", input: "[]", at: 0 });
    await write(world, "wrun_off", 5, 100);
    expect(attempts(world)).toBe(0);
    expect(walBytes()).toBeGreaterThan(0);
    await world.close();
    // Closing the last connection checkpoints and removes the WAL.
    expect(walBytes()).toBe(0);
  });
});
