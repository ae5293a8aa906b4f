// The one place a World is chosen: worldFactory() for the adapters, openWorld() for the commands.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@wfkit/testing-kit";
import type { World } from "@wfkit/world";
import { memoryWorld } from "@wfkit/world/memory";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { worldFactory } from "../src/world/index.js";

let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase("world_select");
  dir = mkdtempSync(path.join(tmpdir(), "wf-world-select-"));
});
afterAll(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function opened(choice: Parameters<typeof worldFactory>[0], postgresUrl?: string): Promise<World> {
  const option = worldFactory(choice);
  if (typeof option !== "function") return option;
  return option({ root: dir, dataDir: path.join(dir, "data"), ...(postgresUrl && { postgresUrl }) });
}

describe("worldFactory", () => {
  it("opens SQLite in the data folder when nothing is configured", async () => {
    const world = await opened(undefined);
    expect(world.name).toBe("sqlite");
    expect(world.dataDir).toBe(path.join(dir, "data"));
    await world.close();
  });

  it("opens PostgreSQL when WORKFLOW_POSTGRES_URL (the context's postgresUrl) is set", async () => {
    const world = await opened(undefined, db.url);
    expect(world.name).toBe("postgres");
    await world.close();
  });

  it("opens PostgreSQL for { postgres: url }, whatever the environment says", async () => {
    const world = await opened({ postgres: db.url });
    expect(world.name).toBe("postgres");
    await world.close();
  });

  it("keeps a World or a function as it is", async () => {
    const mine = memoryWorld();
    expect(worldFactory(mine)).toBe(mine);
    const open = () => mine;
    expect(worldFactory(open)).toBe(open);
  });
});
