export * from "./errors.js";
export * from "./events.js";
export * from "./ids.js";
export * from "./run-created.js";
export * from "./streams.js";
export * from "./world.js";
