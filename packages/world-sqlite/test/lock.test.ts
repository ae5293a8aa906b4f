import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DATA_DIR_LOCKED, DataDirLockedError, sqliteWorld } from "../src/index.js";

/** A pid that certainly belongs to no running process: a child that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const proc = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => proc.on("close", resolve));
  return proc.pid!;
}

describe("the data directory lock", () => {
  let dataDir: string;
  let sleeper: ChildProcess | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "wfkit-lock-"));
  });

  afterEach(async () => {
    sleeper?.kill("SIGKILL");
    sleeper = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it("holds <dataDir>/LOCK with this pid while open and removes it on close", async () => {
    const world = sqliteWorld({ dataDir });
    expect(readFileSync(join(dataDir, "LOCK"), "utf8").trim()).toBe(String(process.pid));
    await world.close();
    expect(existsSync(join(dataDir, "LOCK"))).toBe(false);
  });

  it("refuses a second World on the same directory in this process", async () => {
    const world = sqliteWorld({ dataDir });
    try {
      let error: unknown;
      try {
        sqliteWorld({ dataDir });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DataDirLockedError);
      expect(error).toMatchObject({ code: DATA_DIR_LOCKED, pid: process.pid, dataDir });
      expect((error as Error).message).toContain(`${DATA_DIR_LOCKED}:`);
      expect((error as Error).message).toContain(String(process.pid));
    } finally {
      await world.close();
    }
    // The refused open left the lock of the first World alone until it closed.
    await sqliteWorld({ dataDir }).close();
  });

  it("refuses while another live process holds the lock, naming it and the fix", async () => {
    sleeper = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    await new Promise((resolve) => sleeper?.once("spawn", resolve));
    writeFileSync(join(dataDir, "LOCK"), `${sleeper.pid}\n`);
    expect(() => sqliteWorld({ dataDir })).toThrow(
      expect.objectContaining({
        code: DATA_DIR_LOCKED,
        pid: sleeper.pid,
        message: expect.stringMatching(new RegExp(`process ${sleeper.pid}.*dataDir.*LOCK`)),
      }),
    );
    expect(readFileSync(join(dataDir, "LOCK"), "utf8").trim()).toBe(String(sleeper.pid));
  });

  it("takes over a stale lock left by a process that is gone", async () => {
    const pid = await deadPid();
    writeFileSync(join(dataDir, "LOCK"), `${pid}\n`);
    const world = sqliteWorld({ dataDir });
    expect(readFileSync(join(dataDir, "LOCK"), "utf8").trim()).toBe(String(process.pid));
    await world.close();
  });

  it("takes over an unreadable lock file", async () => {
    writeFileSync(join(dataDir, "LOCK"), "");
    await sqliteWorld({ dataDir }).close();
  });

  it("releases the lock when opening fails", async () => {
    const world = sqliteWorld({ dataDir });
    await world.close();
    // A schema from a newer build is refused...
    const Database = (await import("better-sqlite3")).default;
    const db = new Database(join(dataDir, "world.sqlite"));
    db.prepare("INSERT INTO schema_version (version) VALUES (999)").run();
    db.close();
    expect(() => sqliteWorld({ dataDir })).toThrow(/schema version 999/);
    // ...and the failed open did not leave its lock behind.
    expect(existsSync(join(dataDir, "LOCK"))).toBe(false);
  });
});
