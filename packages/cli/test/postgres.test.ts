// The CLI on the PostgreSQL World: `wf migrate`, `wf run` and `wf dev` with
// WORKFLOW_POSTGRES_URL (or --postgres-url) store runs in the database, not in a data folder.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@wfkit/testing-kit";
import { openPostgresWorld, type PostgresWorld } from "@wfkit/world-postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, type DevServer, startDev, waitFor, wf } from "./helpers.js";

const FLOWS = `
async function add(a: number, b: number) {
  "use step";
  return a + b;
}

export async function sum(a: number, b: number) {
  "use workflow";
  return { total: await add(a, b) };
}
`;

let tmp: string;
let db: TestDatabase;
let world: PostgresWorld | undefined;

beforeAll(async () => {
  assertBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), "wf-postgres-test-"));
  mkdirSync(path.join(tmp, "flows"));
  writeFileSync(path.join(tmp, "flows", "sum.ts"), FLOWS);
  db = await createTestDatabase("cli");
});

afterAll(async () => {
  await world?.close();
  await db?.drop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The run as the database holds it (read through a World of this test process). */
async function storedRun(runId: string) {
  world ??= await openPostgresWorld(db.url);
  return world.getRun(runId);
}

describe("the CLI on PostgreSQL", () => {
  it("wf migrate needs a URL, then creates the schema, then finds it up to date", async () => {
    const missing = await wf(["migrate"], tmp, { WORKFLOW_POSTGRES_URL: "" });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("migrate needs a PostgreSQL database");

    const first = await wf(["migrate", "--postgres-url", db.url], tmp);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/is at schema version \d+ \(applied 1/);
    const again = await wf(["migrate"], tmp, { WORKFLOW_POSTGRES_URL: db.url });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/is up to date \(schema version \d+\)/);
  });

  it("wf run with WORKFLOW_POSTGRES_URL stores the run in PostgreSQL and writes no data folder", async () => {
    const result = await wf(["run", "flows/sum.ts", "sum", "--args", "[2, 3]"], tmp, {
      WORKFLOW_POSTGRES_URL: db.url,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ total: 5 });
    const [, runId] = result.stderr.match(/wfkit: run (wrun_\S+) /) ?? [];
    expect(await storedRun(runId!)).toMatchObject({ status: "completed" });
    expect(existsSync(path.join(tmp, ".workflow-data"))).toBe(false);

    // wf inspect reads the same database.
    const listed = await wf(["inspect", "runs", "--json", "--postgres-url", db.url], tmp);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).runs.map((r: { runId: string }) => r.runId)).toContain(runId);
  });

  it("wf dev with WORKFLOW_POSTGRES_URL runs on PostgreSQL", async () => {
    let dev: DevServer | undefined;
    try {
      dev = await startDev(["flows", "--port", "0"], tmp, { WORKFLOW_POSTGRES_URL: db.url });
      expect(dev.stdout()).toContain(`data: ${db.url}`);
      const started = await fetch(`${dev.url}/api/runs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ workflow: "sum.ts#sum", args: [20, 22] }),
      });
      const { runId } = (await started.json()) as { runId: string };
      expect(started.status).toBe(201);
      await waitFor(
        "the run to complete in PostgreSQL",
        async () => (await storedRun(runId))?.status === "completed",
        20_000,
      );
      expect(existsSync(path.join(tmp, ".workflow-data"))).toBe(false);
    } finally {
      dev?.child.kill("SIGTERM");
      await dev?.exited;
    }
  });
});
