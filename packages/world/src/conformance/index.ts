export type { ConformanceContext, WorldFactory, WorldHarness } from "./context.js";
export { defineWorldConformance } from "./define.js";
