// What the SQLite World does with what it finds at its data path, on real files: an empty
// or foreign file is refused (and left as it was), damaged pages and garbage events give
// coded errors, a new file appears whole, and backups are consistent while a World is open.
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { opId, runId, type World } from "@wfkit/world";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  backupSqliteDataDir,
  DataFileCorruptError,
  DataFileForeignError,
  sqliteWorld,
} from "../src/index.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "wfkit-data-file-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fileOf = (dataDir: string) => join(dataDir, "world.sqlite");
const digest = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Opening throws; returns what it threw. */
function refusal(dataDir: string): unknown {
  try {
    sqliteWorld({ dataDir }).close();
  } catch (error) {
    return error;
  }
  return expect.fail("the World opened");
}

/** `n` runs, each with a step scheduled and completed, and a stream chunk. */
async function fill(world: World, n: number, label = "r"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = runId(`wrun_${label}_${String(i).padStart(5, "0")}`);
    await world.createRun({ runId: id, workflowId: "wf", input: `"${"x".repeat(200)}"`, at: 1_000 + i });
    await world.append({
      runId: id,
      events: [
        { v: 1, type: "step_scheduled", opId: opId(1), stepId: "s", input: "[[],[]]", at: 2_000 },
        {
          v: 1,
          type: "step_completed",
          opId: opId(1),
          output: `"${"y".repeat(300)}"`,
          attempt: 1,
          at: 2_001,
        },
      ],
    });
    ids.push(id);
  }
  return ids;
}

describe("what is at the data path", () => {
  it("refuses an empty (0-byte) world.sqlite with WF_W002 and leaves it empty", () => {
    writeFileSync(fileOf(dir), "");
    const error = refusal(dir);
    expect(error).toBeInstanceOf(DataFileForeignError);
    expect(error).toMatchObject({ code: "WF_W002_DATA_FILE_FOREIGN", kind: "empty" });
    expect((error as Error).message).toContain("is empty (0 bytes)");
    expect(statSync(fileOf(dir)).size).toBe(0);
    // The lock was given back: a World opens once the file is dealt with.
    expect(existsSync(join(dir, "LOCK"))).toBe(false);
  });

  it("refuses a text file and an SQLite database of another program, changing neither", () => {
    writeFileSync(fileOf(dir), "name,amount\nalice,3\n");
    const before = digest(fileOf(dir));
    expect(refusal(dir)).toMatchObject({ code: "WF_W002_DATA_FILE_FOREIGN", kind: "not-sqlite" });
    expect(digest(fileOf(dir))).toBe(before);

    const other = join(dir, "other");
    mkdirSync(other);
    const db = new Database(fileOf(other));
    db.exec(
      "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'a')",
    );
    db.close();
    const theirs = digest(fileOf(other));
    const error = refusal(other);
    expect(error).toMatchObject({ code: "WF_W002_DATA_FILE_FOREIGN", kind: "other-schema" });
    expect((error as Error).message).toContain("its tables: customers");
    expect(digest(fileOf(other))).toBe(theirs);
  });

  it("creates a new file whole: no draft is left, and a draft left by a crash is removed", async () => {
    writeFileSync(join(dir, "world.sqlite.creating-12345"), "half a database");
    const world = sqliteWorld({ dataDir: dir });
    await fill(world, 1);
    await world.close();
    expect(readdirSync(dir).filter((f) => f.includes(".creating-"))).toEqual([]);
    const again = sqliteWorld({ dataDir: dir });
    expect(await again.listRuns()).toHaveLength(1);
    await again.close();
  });

  it("wraps SQLite's corruption errors from damaged pages in WF_W003 with what to do", async () => {
    const world = sqliteWorld({ dataDir: dir });
    await fill(world, 300);
    await world.close();
    const file = fileOf(dir);
    const pageSize = 4096;
    const bytes = readFileSync(file);
    const pages = bytes.length / pageSize;
    expect(pages).toBeGreaterThan(20);
    // Garbage over every page but the first (the header and the schema): the tables' own pages.
    for (let p = 1; p < pages; p++) {
      for (let o = 0; o < pageSize; o += 64) {
        createHash("sha512")
          .update(`${p}:${o}`)
          .digest()
          .copy(bytes, p * pageSize + o);
      }
    }
    writeFileSync(file, bytes);

    let error: unknown;
    try {
      const damaged = sqliteWorld({ dataDir: dir });
      try {
        for (const run of await damaged.listRuns()) await damaged.readEvents(run.runId);
      } finally {
        await damaged.close();
      }
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DataFileCorruptError);
    expect(error).toMatchObject({ code: "WF_W003_DATA_FILE_CORRUPT" });
    expect((error as Error).message).toMatch(/SQLite says SQLITE_(CORRUPT|NOTADB)/);
    expect((error as Error).message).toContain("restore the last backup");
    expect((error as { cause: { code: string } }).cause.code).toMatch(/^SQLITE_(CORRUPT|NOTADB)/);
  });

  it("readEvents throws WF_W004 naming the run and position of an event that is not JSON", async () => {
    const world = sqliteWorld({ dataDir: dir });
    const [id] = await fill(world, 1);
    await world.close();
    const db = new Database(fileOf(dir));
    db.prepare(
      "UPDATE events SET body = ? WHERE run_key = (SELECT run_key FROM runs WHERE run_id = ?) AND seq = 3",
    ).run("}{not json", id);
    db.close();
    const again = sqliteWorld({ dataDir: dir });
    try {
      await expect(again.readEvents(id!)).rejects.toMatchObject({
        code: "WF_W004_EVENT_UNREADABLE",
        runId: id,
        seq: 3,
      });
      // The World itself stays usable: other reads work.
      expect(await again.getRun(id!)).toMatchObject({ runId: id, lastSeq: 3 });
    } finally {
      await again.close();
    }
  });
});

describe("backupSqliteDataDir", () => {
  it("copies a consistent snapshot while a World holds the folder, WAL included; the copy restores", async () => {
    const live = join(dir, "live");
    const world = sqliteWorld({ dataDir: live });
    try {
      const ids = await fill(world, 40);
      // The recent commits are still in the write-ahead log: world.sqlite alone lacks them.
      expect(statSync(`${fileOf(live)}-wal`).size).toBeGreaterThan(0);
      const naive = join(dir, "naive");
      mkdirSync(naive);
      copyFileSync(fileOf(live), fileOf(naive));

      const result = await backupSqliteDataDir(live, join(dir, "backup.sqlite"));
      expect(result.file).toBe(join(dir, "backup.sqlite"));
      expect(result.bytes).toBe(statSync(result.file).size);
      // The World in use is undisturbed.
      await fill(world, 1, "after");
      expect(await world.listRuns()).toHaveLength(41);

      // Restore: the backup, alone, as world.sqlite in an empty folder.
      const restored = join(dir, "restored");
      mkdirSync(restored);
      copyFileSync(result.file, fileOf(restored));
      const back = sqliteWorld({ dataDir: restored });
      try {
        expect((await back.listRuns()).map((r) => r.runId).sort()).toEqual(ids);
        expect(await back.readEvents(ids[39]!)).toHaveLength(3);
      } finally {
        await back.close();
      }
      const partial = sqliteWorld({ dataDir: naive });
      try {
        expect((await partial.listRuns()).length).toBeLessThan(40);
      } finally {
        await partial.close();
      }
    } finally {
      await world.close();
    }
  });

  it("refuses to overwrite a file, and refuses a folder without a World or with a foreign file", async () => {
    const world = sqliteWorld({ dataDir: join(dir, "w") });
    await world.close();
    writeFileSync(join(dir, "taken.sqlite"), "mine");
    await expect(backupSqliteDataDir(join(dir, "w"), join(dir, "taken.sqlite"))).rejects.toThrow(
      /already exists/,
    );
    expect(readFileSync(join(dir, "taken.sqlite"), "utf8")).toBe("mine");
    await expect(backupSqliteDataDir(join(dir, "none"), join(dir, "b1.sqlite"))).rejects.toThrow(
      /no SQLite World/,
    );
    mkdirSync(join(dir, "empty"));
    writeFileSync(fileOf(join(dir, "empty")), "");
    await expect(backupSqliteDataDir(join(dir, "empty"), join(dir, "b2.sqlite"))).rejects.toMatchObject({
      code: "WF_W002_DATA_FILE_FOREIGN",
    });
    expect(existsSync(join(dir, "b2.sqlite"))).toBe(false);
  });
});
