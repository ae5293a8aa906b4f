import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { resolve } from "node:path";
import Database from "better-sqlite3";
import { assertWorldSchema, DataFileForeignError, existingDataFile, wrapCorruption } from "./data-file.js";

/** Options of {@link backupSqliteDataDir}. */
export interface BackupOptions {
  /** The database file in `dataDir`, as given to `sqliteWorld`. Default `world.sqlite`. */
  filename?: string;
}

/** What {@link backupSqliteDataDir} wrote. */
export interface BackupResult {
  /** Absolute path of the backup. */
  file: string;
  /** Its size in bytes. */
  bytes: number;
}

/**
 * Copies the SQLite World in `dataDir` to one self-contained database file, with
 * SQLite's online backup API: a consistent snapshot that includes the commits still
 * in the write-ahead log (`world.sqlite-wal`), which copying `world.sqlite` alone misses.
 *
 * It works while a server has the data folder open: it opens the file read-only and
 * does not take the folder's LOCK (the server's writes wait at most a moment; the
 * backup restarts its copy when a write lands mid-way). The backup is written aside and
 * renamed into place when complete, so `destination` never holds half a copy; an
 * existing `destination` is refused rather than overwritten.
 *
 * To restore, put the file in an empty data folder as `world.sqlite` (see docs/operations.md).
 */
export async function backupSqliteDataDir(
  dataDir: string,
  destination: string,
  options: BackupOptions = {},
): Promise<BackupResult> {
  const source = resolve(dataDir, options.filename ?? "world.sqlite");
  const file = resolve(destination);
  if (existsSync(file))
    throw new Error(`The backup file ${file} already exists: give a new name, or remove it first.`);
  if (!existingDataFile(source)) {
    throw new Error(`There is no SQLite World in ${resolve(dataDir)} (no ${source}): check --data-dir.`);
  }
  const partial = `${file}.partial-${process.pid}`;
  let db: Database.Database | undefined;
  try {
    db = new Database(source, { readonly: true, fileMustExist: true });
    db.pragma("busy_timeout = 5000");
    assertWorldSchema(db, source);
    await db.backup(partial);
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error instanceof DataFileForeignError ? error : wrapCorruption(error, source);
  } finally {
    db?.close();
  }
  return { file, bytes: statSync(file).size };
}
