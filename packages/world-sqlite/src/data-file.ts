import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { formatWorldError, type WorldErrorCode, worldDocsRef } from "@wfkit/world";
import Database from "better-sqlite3";

/** The code of {@link DataFileForeignError}. */
export const DATA_FILE_FOREIGN = "WF_W002_DATA_FILE_FOREIGN" satisfies WorldErrorCode;
/** The code of {@link DataFileCorruptError}. */
export const DATA_FILE_CORRUPT = "WF_W003_DATA_FILE_CORRUPT" satisfies WorldErrorCode;

/** What is at the data path instead of a wfkit database. */
export type ForeignKind = "empty" | "not-sqlite" | "other-schema";

/**
 * The file at the data path is not a wfkit database: empty (0 bytes), not an SQLite
 * file, or an SQLite database without wfkit's schema. The World refuses to open it
 * and never writes to it: it may be something else's data, or a copy that failed.
 */
export class DataFileForeignError extends Error {
  readonly code = DATA_FILE_FOREIGN;
  readonly hint: string;

  constructor(
    /** The file that was refused. */
    readonly filename: string,
    /** What it is. */
    readonly kind: ForeignKind,
    detail = "",
  ) {
    const what = {
      empty: "is empty (0 bytes): a copy or restore that did not finish, or a file truncated by a fault",
      "not-sqlite": "is not an SQLite database",
      "other-schema": `is an SQLite database, but not one written by wfkit${detail ? ` (its tables: ${detail})` : ""}`,
    }[kind];
    const hint =
      kind === "empty"
        ? `If you restored a backup, copy it again (see docs/operations.md). If this data folder is new and should start empty, delete ${filename} and start again.`
        : `Point dataDir (or WORKFLOW_DATA_DIR) at wfkit's data folder, or move ${filename} away. wfkit never overwrites a file it did not create.`;
    super(formatWorldError(DATA_FILE_FOREIGN, `The file ${filename} ${what}.`, hint));
    this.name = "DataFileForeignError";
    this.hint = hint;
  }

  /** The stable reference to this code's page. */
  get docs(): string {
    return worldDocsRef(DATA_FILE_FOREIGN);
  }
}

/** SQLite reported the database file as damaged (`SQLITE_CORRUPT`, `SQLITE_NOTADB`). */
export class DataFileCorruptError extends Error {
  readonly code = DATA_FILE_CORRUPT;
  readonly hint: string;

  constructor(
    /** The damaged file. */
    readonly filename: string,
    /** SQLite's error. */
    override readonly cause: unknown,
  ) {
    const sqlite = cause as { code?: string; message?: string };
    const hint =
      `Stop the server, keep a copy of the data folder for investigation, then restore the last backup ` +
      `(wf backup; see docs/operations.md). \`sqlite3 ${basename(filename)} "PRAGMA integrity_check"\` shows the damage.`;
    super(
      formatWorldError(
        DATA_FILE_CORRUPT,
        `The database file ${filename} is damaged: SQLite says ${sqlite.code ?? "error"} (${sqlite.message ?? String(cause)}).`,
        hint,
      ),
    );
    this.name = "DataFileCorruptError";
    this.hint = hint;
  }

  /** The stable reference to this code's page. */
  get docs(): string {
    return worldDocsRef(DATA_FILE_CORRUPT);
  }
}

/** SQLite's result codes that mean the file's bytes are not a sound database (extended codes included). */
function isCorruption(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB");
}

/** SQLite's corruption errors as a {@link DataFileCorruptError}; any other error as it is. */
export function wrapCorruption(error: unknown, filename: string): unknown {
  return isCorruption(error) ? new DataFileCorruptError(filename, error) : error;
}

const SQLITE_HEADER = Buffer.from("SQLite format 3\0", "latin1");

/**
 * Checks what is at `filename` before SQLite opens it: nothing (false: a new World),
 * or an SQLite file (true). Anything else is a {@link DataFileForeignError}: SQLite would
 * silently take an empty file as a new database, and fail on a foreign one with a raw message.
 */
export function existingDataFile(filename: string): boolean {
  if (!existsSync(filename)) return false;
  const size = statSync(filename).size;
  if (size === 0) throw new DataFileForeignError(filename, "empty");
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(filename, "r");
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(SQLITE_HEADER)) throw new DataFileForeignError(filename, "not-sqlite");
  return true;
}

/** Refuses an SQLite database that lacks wfkit's schema (an existing file, before any migration writes to it). */
export function assertWorldSchema(db: Database.Database, filename: string): void {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all() as Array<{ name: string }>;
  if (tables.some((t) => t.name === "schema_version")) return;
  const names = tables.map((t) => t.name);
  const shown = names.length === 0 ? "none" : names.slice(0, 5).join(", ") + (names.length > 5 ? ", …" : "");
  throw new DataFileForeignError(filename, "other-schema", shown);
}

/**
 * Creates a new database file atomically: it is built aside (`<name>.creating-<pid>`),
 * set up by `init`, closed, and only then renamed into place. So a file at the data path
 * is always one wfkit finished creating; a crash during creation leaves only the
 * aside file, removed on the next open (the caller holds the data dir's LOCK).
 */
export function createDataFile(filename: string, init: (db: Database.Database) => void): void {
  const dir = dirname(filename);
  const prefix = `${basename(filename)}.creating-`;
  for (const name of readdirSync(dir)) if (name.startsWith(prefix)) rmSync(join(dir, name), { force: true });
  const draft = join(dir, `${prefix}${process.pid}`);
  const db = new Database(draft);
  try {
    init(db);
  } finally {
    // The last connection checkpoints the WAL into the file and removes it.
    db.close();
  }
  const fd = openSync(draft, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(draft, filename);
  // The rename is durable once the directory is.
  const dirFd = openSync(dir, "r");
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
