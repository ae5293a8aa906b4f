/**
 * `@wfkit/world/memory`: an in-memory World for tests and examples. It keeps
 * nothing on disk; a process that ends loses every run.
 * @module
 */
export { MemoryWorld, type MemoryWorldOptions, memoryWorld } from "./memory-world.js";
export {
  MemoryWorldConnection,
  SHARED_DEFAULT_LEASE_MS,
  SharedMemoryWorld,
  sharedMemoryWorld,
} from "./shared.js";
