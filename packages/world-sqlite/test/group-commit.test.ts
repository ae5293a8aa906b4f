// The group committer with an fsync after COMMIT (wal-sync.ts): writers hear back only once
// the fsync of their batch succeeded; when it fails, every writer of the batch gets the error.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { GroupCommitter } from "../src/group-commit.js";
import { WalSync } from "../src/wal-sync.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function database(): { db: Database.Database; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "wf-gc-"));
  dirs.push(dir);
  const file = path.join(dir, "t.sqlite");
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("CREATE TABLE t (v INTEGER)");
  return { db, file };
}
const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe("group commit with an fsync after COMMIT", () => {
  it("answers the writers of a batch only once its fsync is done, then all of them", async () => {
    const { db } = database();
    const pending: Array<(error?: unknown) => void> = [];
    const committer = new GroupCommitter(db, "immediate", () => {}, {
      after: (then) => pending.push(then),
      busy: false,
    });
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    const writes = [1, 2, 3].map((v) => committer.submit(() => insert.run(v).changes));
    expect(await settled(writes[0]!)).toBe(false);
    // Committed in one batch (one fsync asked for), and nobody answered yet.
    expect(committer.commits).toBe(1);
    expect(pending).toHaveLength(1);
    expect(db.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 3 });
    pending[0]!();
    expect(await Promise.all(writes)).toEqual([1, 1, 1]);
    db.close();
  });

  it("a write that throws fails alone: its changes are rolled back, the rest of its batch commits", async () => {
    const { db } = database();
    const committer = new GroupCommitter(db, "immediate", () => {});
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    const writes = [
      committer.submit(() => insert.run(1).changes),
      committer.submit(() => {
        insert.run(2);
        throw new Error("the second write fails after its insert");
      }),
      committer.submit(() => insert.run(3).changes),
    ];
    const outcomes = await Promise.allSettled(writes);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(
      new Error("the second write fails after its insert"),
    );
    expect(committer.commits).toBe(1);
    expect(db.prepare("SELECT v FROM t ORDER BY v").pluck().all()).toEqual([1, 3]);
    db.close();
  });

  it("a failed fsync rejects every writer of its batch", async () => {
    const { db } = database();
    const pending: Array<(error?: unknown) => void> = [];
    const committer = new GroupCommitter(db, "immediate", () => {}, {
      after: (then) => pending.push(then),
      busy: false,
    });
    const writes = [1, 2].map((v) =>
      committer.submit(() => db.prepare("INSERT INTO t (v) VALUES (?)").run(v)),
    );
    await settled(writes[0]!);
    pending[0]!(new Error("EIO: i/o error, fdatasync"));
    for (const write of writes) await expect(write).rejects.toThrow(/fdatasync/);
    db.close();
  });

  it("adaptive: commits a lone write at the end of the microtask queue, and waits for the turn while an fsync is under way", async () => {
    const { db } = database();
    const sync = { busy: false, pending: [] as Array<(error?: unknown) => void> };
    const committer = new GroupCommitter(db, "adaptive", () => {}, {
      after: (then) => sync.pending.push(then),
      get busy() {
        return sync.busy;
      },
    });
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    const microtasks = async () => {
      for (let i = 0; i < 5; i++) await Promise.resolve();
    };
    // No fsync under way: the write's COMMIT does not wait for the event-loop turn to end.
    const lone = committer.submit(() => insert.run(1).changes);
    await microtasks();
    expect(committer.commits).toBe(1);
    // An fsync under way: writes gather until the turn ends, into one transaction.
    sync.busy = true;
    const during = [2, 3].map((v) => committer.submit(() => insert.run(v).changes));
    await microtasks();
    expect(committer.commits).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(committer.commits).toBe(2);
    for (const then of sync.pending.splice(0)) then();
    expect(await Promise.all([lone, ...during])).toEqual([1, 1, 1]);
    db.close();
  });

  it("WalSync: writes committed while an fsync runs wait for the next one, which then answers them all", async () => {
    const { db, file } = database();
    db.prepare("INSERT INTO t (v) VALUES (0)").run();
    const sync = new WalSync(`${file}-wal`);
    const order: string[] = [];
    sync.after(() => order.push("a"));
    sync.after(() => order.push("b"));
    sync.after(() => order.push("c"));
    // Under way until the last waiter is answered: the committer batches by turn meanwhile (adaptive).
    expect(sync.busy).toBe(true);
    await sync.drain();
    expect(sync.busy).toBe(false);
    expect(order).toEqual(["a", "b", "c"]);
    await sync.close();
    db.close();
  });

  it("WalSync: a WAL file that cannot be opened fails its waiters with the error", async () => {
    const sync = new WalSync(path.join(tmpdir(), "wf-no-such-dir", "x.sqlite-wal"));
    const error = await new Promise<unknown>((resolve) => sync.after(resolve));
    expect(String(error)).toMatch(/ENOENT/);
    await sync.close();
  });
});
