export { type AppCopy, type CopyAppOptions, copyApp, removeIfEmpty, tempDir } from "./app-copy.js";
export { ENDED_STATUSES, getJson, startRun, waitForEnd } from "./http-runs.js";
export { createTestDatabase, TEST_POSTGRES_ADMIN_URL, type TestDatabase } from "./postgres.js";
export {
  type Child,
  type ChildOptions,
  type ChildResult,
  freePort,
  runChild,
  runChildOk,
  startChild,
} from "./process.js";
export { type NotYet, type WaitOptions, waitFor } from "./wait.js";
