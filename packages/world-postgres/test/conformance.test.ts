import { createTestDatabase, type TestDatabase } from "@wfkit/testing-kit";
import { defineWorldConformance } from "@wfkit/world/conformance";
import postgres from "postgres";
import { afterAll, beforeAll } from "vitest";
import { migratePostgres, openPostgresWorld } from "../src/index.js";

// A fresh database for this file; every test starts from empty tables in it
// (the suite wants an empty World per test, and creating a database per test is slow).
let db: TestDatabase;
let admin: postgres.Sql;

beforeAll(async () => {
  db = await createTestDatabase("conformance");
  await migratePostgres(db.url);
  admin = postgres(db.url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await admin?.end();
  await db?.drop();
});

defineWorldConformance("postgres", async () => {
  await admin.unsafe(
    "TRUNCATE wfkit.runs, wfkit.events, wfkit.messages, wfkit.hooks, wfkit.released_hooks, wfkit.dedupe_keys, " +
      "wfkit.deliveries, wfkit.responses, wfkit.streams, wfkit.stream_chunks, wfkit.instances, wfkit.bundles",
  );
  return {
    world: await openPostgresWorld(db.url),
    reopen: () => openPostgresWorld(db.url),
    cleanup: async () => {},
  };
});
