export type { FlushOn } from "./group-commit.js";
export { DATA_DIR_LOCKED, DataDirLockedError } from "./lock.js";
export { SqliteWorld, type SqliteWorldOptions, sqliteWorld } from "./sqlite-world.js";
