// `wf prune` and `wf backup` through the built CLI, on real data folders: retention deletes
// only old ended runs; a backup taken while a World holds the folder restores every run.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runId, type World } from "@wfkit/world";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, wf } from "./helpers.js";

const DAY = 24 * 60 * 60_000;
let tmp: string;
beforeAll(() => {
  assertBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), "wfkit-cli-data-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A run created `ageDays` ago that ended then (or is still running). */
async function runOf(world: World, name: string, ageDays: number, ended: boolean): Promise<string> {
  const at = Date.now() - ageDays * DAY;
  const id = runId(`wrun_${name}`);
  await world.createRun({ runId: id, workflowId: "wf", input: "[]", at });
  await world.append({
    runId: id,
    events: ended ? [{ v: 1, type: "run_completed", output: "1", at }] : [],
    run: ended ? { status: "completed", completedAt: at } : { status: "running", startedAt: at },
  });
  return id;
}

describe("wf prune", () => {
  it("deletes ended runs older than --older-than, after a --dry-run that deletes nothing", async () => {
    const dataDir = path.join(tmp, "prune");
    const world = sqliteWorld({ dataDir });
    const old = await runOf(world, "old", 40, true);
    const older = await runOf(world, "older", 90, true);
    await runOf(world, "recent", 2, true);
    await runOf(world, "old_running", 90, false);
    await world.close();

    const dry = await wf(["prune", "--older-than", "30d", "--data-dir", dataDir, "--dry-run", "--json"], tmp);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, runIds: [older, old] });

    const text = await wf(["prune", "--older-than", "30d", "--data-dir", dataDir], tmp);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Deleted 2 runs that ended before \d{4}-\d\d-\d\dT/);

    const after = sqliteWorld({ dataDir });
    try {
      expect((await after.listRuns()).map((r) => r.runId).sort()).toEqual([
        "wrun_old_running",
        "wrun_recent",
      ]);
      expect(await after.readEvents(old)).toEqual([]);
    } finally {
      await after.close();
    }
  });

  it("explains its usage mistakes (exit 2) and a folder in use (exit 1, WF_W001)", async () => {
    const missing = await wf(["prune", "--data-dir", path.join(tmp, "x")], tmp);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("prune needs --older-than");
    const bad = await wf(["prune", "--older-than", "a month"], tmp);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--older-than "a month" is not a duration');

    const dataDir = path.join(tmp, "held");
    const world = sqliteWorld({ dataDir });
    try {
      const held = await wf(["prune", "--older-than", "1d", "--data-dir", dataDir], tmp);
      expect(held.code).toBe(1);
      expect(held.stderr).toContain("WF_W001_DATA_DIR_LOCKED");
    } finally {
      await world.close();
    }
  });
});

describe("wf backup", () => {
  it("copies the folder's database while a World holds it; the copy restores every run", async () => {
    const dataDir = path.join(tmp, "live");
    const world = sqliteWorld({ dataDir });
    const ids: string[] = [];
    try {
      for (let i = 0; i < 20; i++) ids.push(await runOf(world, `live_${i}`, 0, i % 2 === 0));
      const file = path.join(tmp, "backup.sqlite");
      const result = await wf(["backup", file, "--data-dir", dataDir], tmp);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`to ${file}`);

      const again = await wf(["backup", file, "--data-dir", dataDir], tmp);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain("already exists");

      const restored = path.join(tmp, "restored");
      mkdirSync(restored);
      copyFileSync(file, path.join(restored, "world.sqlite"));
      const back = sqliteWorld({ dataDir: restored });
      try {
        expect((await back.listRuns()).map((r) => r.runId).sort()).toEqual([...ids].sort());
        expect((await back.getRun(ids[3]!))?.status).toBe("running");
      } finally {
        await back.close();
      }
    } finally {
      await world.close();
    }
  });

  it("refuses a folder whose world.sqlite is empty (WF_W002), writing no backup", async () => {
    const dataDir = path.join(tmp, "empty");
    mkdirSync(dataDir);
    writeFileSync(path.join(dataDir, "world.sqlite"), "");
    const file = path.join(tmp, "never.sqlite");
    const result = await wf(["backup", file, "--data-dir", dataDir], tmp);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("WF_W002_DATA_FILE_FOREIGN");
    expect(existsSync(file)).toBe(false);
  });
});
