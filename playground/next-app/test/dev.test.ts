// `next dev` (Turbopack) on a copy of the playground: a run finishes, and edits
// to a step file and to a workflow file apply without a restart, and are logged.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  copyApp,
  type NextServer,
  remove,
  startNext,
  startRun,
  tempDataDir,
  waitFor,
  waitForEnd,
} from "./harness.js";

let server: NextServer | undefined;
let app: string;
let dataDir: string;

beforeAll(async () => {
  app = copyApp("dev");
  dataDir = tempDataDir("dev");
  server = await startNext("dev", { cwd: app, dataDir });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  remove(app);
  remove(dataDir);
});

function edit(file: string, from: string, to: string): void {
  const full = path.join(app, file);
  const text = readFileSync(full, "utf8");
  expect(text).toContain(from);
  writeFileSync(full, text.replace(from, to));
}

/** Starts hello runs until one returns what `expected` matches (the rebuild takes a moment). */
function helloUntil(expected: RegExp): Promise<string> {
  return waitFor(
    `hello to return ${expected}`,
    async () => {
      const { runId } = await startRun(server!.url, { scenario: "hello", name: "dev" });
      const run = await waitForEnd(server!.url, runId);
      return expected.test(run.output) ? (run.output as string) : undefined;
    },
    60_000,
  );
}

describe("next dev (Turbopack)", { timeout: 90_000 }, () => {
  it.runIf(existsSync("/proc"))("opens the data dir in the server process that next dev forks", () => {
    const holder = Number(readFileSync(path.join(dataDir, "LOCK"), "utf8"));
    const parent = readFileSync(`/proc/${holder}/status`, "utf8").match(/^PPid:\s+(\d+)/m)?.[1];
    expect(holder).not.toBe(server!.child.pid);
    expect(Number(parent)).toBe(server!.child.pid);
  });

  it("runs a workflow to the end", async () => {
    const { runId } = await startRun(server!.url, { scenario: "hello", name: "dev" });
    const run = await waitForEnd(server!.url, runId);
    expect(run.status).toBe("completed");
    expect(run.output).toBe("Hello, dev!");
    expect(run.steps).toEqual([expect.objectContaining({ name: "formatGreeting", status: "completed" })]);
  });

  it("mounts the web UI (with or without the trailing slash) and its assets", async () => {
    for (const address of ["/.well-known/workflow/v1/ui/", "/.well-known/workflow/v1/ui"]) {
      const page = await fetch(server!.url + address);
      expect(page.status, address).toBe(200);
      const html = await page.text();
      expect(html).toContain('<div id="app">');
      const script = /src="(\/\.well-known\/workflow\/v1\/ui\/assets\/[\w.-]+\.js)"/.exec(html)?.[1];
      expect(script, html).toBeDefined();
      expect((await fetch(server!.url + script)).status).toBe(200);
    }
  });

  it("applies an edited step file without a restart", async () => {
    edit("workflows/greeting-steps.ts", "`Hello, ", "`Bonjour, ");
    expect(await helloUntil(/^Bonjour/)).toBe("Bonjour, dev!");
  });

  it("applies an edited workflow file without a restart", async () => {
    const before = server!.logs().length;
    edit("workflows/hello.ts", "  return greeting;", '  return greeting + " (edited)";');
    expect(await helloUntil(/edited/)).toBe("Bonjour, dev! (edited)");
    // Logged like the Vite plugin does, with the file and the time it took.
    await waitFor("the recompile to be logged", () =>
      /wfkit: recompiled workflows \(workflows\/hello\.ts\) in \d+ ms/.test(server!.logs().slice(before)),
    );
    expect(server!.logs().match(/wfkit: workflow runtime ready/g)).toHaveLength(1);
  });
});
