import { linkSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatWorldError, type WorldErrorCode, worldDocsRef } from "@wfkit/world";

/** The error code of {@link DataDirLockedError}, registered in @wfkit/world. */
export const DATA_DIR_LOCKED = "WF_W001_DATA_DIR_LOCKED" satisfies WorldErrorCode;

/** Another live process has the data directory open. */
export class DataDirLockedError extends Error {
  readonly code = DATA_DIR_LOCKED;
  /** How to fix it (an error answer over HTTP shows it). */
  readonly hint: string;

  constructor(
    /** The data directory that is in use. */
    readonly dataDir: string,
    /** The process holding it. */
    readonly pid: number,
  ) {
    const who =
      pid === process.pid ? `this process (pid ${pid}) already has it open` : `process ${pid} has it open`;
    const hint =
      `Stop process ${pid} (or close the other World), or give this one its own dataDir. ` +
      `If process ${pid} is not a wfkit process, delete ${join(dataDir, "LOCK")} and retry.`;
    super(
      formatWorldError(
        DATA_DIR_LOCKED,
        `The workflow data directory ${dataDir} is in use: ${who}. The embedded SQLite World allows one process per data directory.`,
        hint,
      ),
    );
    this.name = "DataDirLockedError";
    this.hint = hint;
  }

  /** The stable reference to this code's page. */
  get docs(): string {
    return worldDocsRef(DATA_DIR_LOCKED);
  }
}

/**
 * Takes `<dataDir>/LOCK` for this process and returns the function that gives
 * it back. A lock left by a process that no longer exists is taken over; one
 * held by a live process (this one included) is a {@link DataDirLockedError}.
 *
 * The file is written aside and hard-linked into place, so a reader never sees
 * a LOCK without its pid. Two processes taking over the same stale lock at the
 * same instant can still both succeed; the lock guards against the common
 * mistake (a second server or CLI on the same directory), not a determined race.
 */
export function acquireLock(dataDir: string): () => void {
  const path = join(dataDir, "LOCK");
  const draft = join(dataDir, `LOCK.${process.pid}.${Date.now()}`);
  writeFileSync(draft, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(draft, path);
        return () => releaseLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const holder = readHolder(path);
      if (holder !== null && isAlive(holder)) throw new DataDirLockedError(dataDir, holder);
      // Stale (its process is gone) or unreadable: remove it and try again.
      rmSync(path, { force: true });
    }
    throw new DataDirLockedError(dataDir, readHolder(path) ?? -1);
  } finally {
    rmSync(draft, { force: true });
  }
}

/** Removes the lock if it is still ours: never delete a lock another process took over. */
function releaseLock(path: string): void {
  if (readHolder(path) === process.pid) rmSync(path, { force: true });
}

function readHolder(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Signal 0 checks that a process exists without touching it; EPERM means it exists but is not ours. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
