import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * The server tests create their databases on: `WFKIT_TEST_POSTGRES_URL`, else the
 * PostgreSQL that CI starts (`.ci/run`) at 127.0.0.1:5432, user postgres, trust auth.
 */
export const TEST_POSTGRES_ADMIN_URL =
  process.env.WFKIT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A database made for one test file. */
export interface TestDatabase {
  /** The database's name. */
  name: string;
  /** Its connection URL. */
  url: string;
  /** Drops it, ending any connection still open on it. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh, empty database on the test server (through `psql`, so the kit
 * needs no client library). Call `drop` in `afterAll`.
 */
export async function createTestDatabase(label = "test"): Promise<TestDatabase> {
  const name = `wfkit_${label.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
  await psql(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.href,
    drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function psql(command: string): Promise<void> {
  try {
    await run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", TEST_POSTGRES_ADMIN_URL, "-c", command]);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(
      `Could not run "${command}" on the test PostgreSQL (${TEST_POSTGRES_ADMIN_URL}): ${stderr.trim() || String(error)}. ` +
        "Start it (bash .ci/run does) or set WFKIT_TEST_POSTGRES_URL.",
    );
  }
}
