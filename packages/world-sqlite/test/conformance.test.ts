import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineWorldConformance } from "@wfkit/world/conformance";
import { sqliteWorld } from "../src/index.js";

defineWorldConformance("sqlite", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "wfkit-world-sqlite-"));
  return {
    world: sqliteWorld({ dataDir }),
    reopen: async () => sqliteWorld({ dataDir }),
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
});
