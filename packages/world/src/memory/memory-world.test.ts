import { defineWorldConformance } from "../conformance/index.js";
import { MemoryWorld } from "./index.js";

// The suite against a second, unrelated implementation, without `reopen`:
// checks the suite encodes the contract rather than SQLite's behaviour.
defineWorldConformance("memory (reference)", async () => ({
  world: new MemoryWorld(),
  cleanup: async () => {},
}));
