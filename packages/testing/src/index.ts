export { type AppCopy, type CopyAppOptions, copyApp, removeIfEmpty, tempDir } from "./app-copy.js";
export { CHROMIUM_PATH, chromiumLaunchOptions } from "./chromium.js";
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
export {
  listenHttp,
  type RawRequestInit,
  type RawResponse,
  rawRequest,
  type StalledAnswer,
  stalledRequest,
  type TestHttpServer,
} from "./raw-http.js";
export { type NotYet, type WaitOptions, waitFor } from "./wait.js";
