// What crosses between workflows, steps and callers: serialize / deserialize and their limits.
export * from "./values.js";
