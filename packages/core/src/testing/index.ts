export type { Clock, ClockTimer } from "../host/clock.js";
export type { FunctionRef, TestManifest, TestManifestEntry } from "./lookup.js";
export { createTestEnv, TestEnv, type TestEnvOptions } from "./test-env.js";
export { VirtualClock } from "./virtual-clock.js";
