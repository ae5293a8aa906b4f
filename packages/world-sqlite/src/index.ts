export { type BackupOptions, type BackupResult, backupSqliteDataDir } from "./backup.js";
export {
  DATA_FILE_CORRUPT,
  DATA_FILE_FOREIGN,
  DataFileCorruptError,
  DataFileForeignError,
  type ForeignKind,
} from "./data-file.js";
export type { FlushOn } from "./group-commit.js";
export { DATA_DIR_LOCKED, DataDirLockedError } from "./lock.js";
export { SqliteWorld, type SqliteWorldOptions, sqliteWorld } from "./sqlite-world.js";
