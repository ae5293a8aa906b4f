import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@wfkit/testing-kit";
import { type RunId, runId } from "@wfkit/world";
import { afterAll, beforeAll } from "vitest";
import { openPostgresWorld, type PostgresWorld } from "../src/index.js";

/** The built package, for child processes (tests run from source; children from dist). */
export const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));

/**
 * A fresh database for this test file (dropped after it), the World instances its tests
 * open on it (closed after it), and run ids of the file's own (`wrun_<prefix>_...`).
 */
export function sharedDatabase(name: string, prefix: string) {
  let database: TestDatabase | undefined;
  const opened: PostgresWorld[] = [];
  let counter = 0;
  beforeAll(async () => {
    database = await createTestDatabase(name);
  });
  afterAll(async () => {
    await Promise.all(opened.map((w) => w.close().catch(() => {})));
    await database?.drop();
  });
  const newRun = (): RunId => runId(`wrun_${prefix}_${process.pid}_${++counter}`);
  const url = (): string => {
    if (!database) throw new Error("the test database is made in beforeAll");
    return database.url;
  };
  return {
    get url(): string {
      return url();
    },
    async open(options: { heartbeatMs?: number; instanceTtlMs?: number } = {}): Promise<PostgresWorld> {
      const world = await openPostgresWorld({ url: url(), ...options });
      opened.push(world);
      return world;
    },

    /** A run created on `world`, with nothing appended. */
    async created(world: PostgresWorld): Promise<RunId> {
      const id = newRun();
      await world.createRun({ runId: id, workflowId: "wf", input: "[]", at: Date.now() });
      return id;
    },
  };
}
