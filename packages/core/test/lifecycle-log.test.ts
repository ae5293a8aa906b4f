import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "@wfkit/testing-kit";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import type { LogFormat, LogLevel } from "../src/host/lifecycle-log.js";
import { testRuntime } from "./runtime-helpers.js";

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function logged(level: LogLevel, format: LogFormat) {
  const lines: [string, string][] = [];
  const t = await testRuntime(["inspect.ts"], {
    logLevel: level,
    logFormat: format,
    log: (l, args) => lines.push([l, String(args[0])]),
  });
  return { ...t, lines };
}

describe("lifecycle log lines", () => {
  it("logs a run's start, a retried attempt with its delay, and its end, with run id, workflow, step and attempt", async () => {
    const { runtime, id, lines } = await logged("info", "text");
    const run = await runtime.start(id("inspect.ts", "declined"), []);
    await run.returnValue.catch(() => {});
    const failing = await runtime.start(id("inspect.ts", "order"), ["log-k", 1]);
    await waitFor("the retry line", () =>
      lines.find(([, l]) => l.includes(failing.runId) && l.includes("retrying")),
    );
    await runtime.cancel(failing.runId);
    await runtime.close();

    const wf = id("inspect.ts", "declined");
    expect(lines).toContainEqual(["info", `wfkit: run ${run.runId} ${wf}: started`]);
    expect(lines).toContainEqual([
      "warn",
      `wfkit: run ${run.runId} ${wf} step step//inspect//refuse attempt 1: step failed, no retries left (error=FatalError: card declined)`,
    ]);
    expect(lines).toContainEqual([
      "error",
      `wfkit: run ${run.runId} ${wf}: failed (error=FatalError: card declined)`,
    ]);
    expect(lines).toContainEqual([
      "info",
      `wfkit: run ${failing.runId} ${id("inspect.ts", "order")}: cancelled`,
    ]);
    const retry = lines.find(([, l]) => l.includes(failing.runId) && l.includes("retrying"));
    expect(retry?.[1]).toMatch(
      /step step\/\/inspect\/\/charge attempt 1: step attempt failed, retrying in \d+ms \(error=Error: card network timeout\)$/,
    );
    // debug lines (a completed step) are below the level.
    expect(lines.some(([l]) => l === "debug")).toBe(false);
  });

  it("writes JSON lines when asked, and debug lines for completed steps", async () => {
    const { runtime, id, lines } = await logged("debug", "json");
    const run = await runtime.start(id("inspect.ts", "declined"), []);
    await run.returnValue.catch(() => {});
    await runtime.close();
    const records = lines.map(([, l]) => JSON.parse(l));
    expect(records[0]).toMatchObject({
      level: "info",
      msg: "started",
      runId: run.runId,
      workflow: id("inspect.ts", "declined"),
    });
    expect(records.at(-1)).toMatchObject({
      level: "error",
      msg: "failed",
      runId: run.runId,
      error: "FatalError: card declined",
    });
    expect(typeof records[0].time).toBe("string");
  });

  it("logs one line for the unfinished runs it recovers at start-up", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-log-"));
    dirs.push(dataDir);
    const first = await testRuntime(["inspect.ts"], { log: () => {} }, () => sqliteWorld({ dataDir }));
    const run = await first.runtime.start(first.id("inspect.ts", "order"), ["rec", 1]);
    await first.runtime.close();

    const lines: string[] = [];
    const second = await testRuntime(["inspect.ts"], { log: (_l, a) => lines.push(String(a[0])) }, () =>
      sqliteWorld({ dataDir }),
    );
    await second.runtime.cancel(run.runId);
    await second.runtime.close();
    expect(lines[0]).toBe(`wfkit: recovering 1 unfinished run (${run.runId})`);
    expect(lines).toContain(`wfkit: run ${run.runId} ${first.id("inspect.ts", "order")}: cancelled`);
  });
});
