// Streams over HTTP: steps write with getWritable(), a route reads with
// run.getReadable() and answers NDJSON while the run is still going.
// Registered by production.test.ts, so it reuses that file's one build and server.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromiumLaunchOptions } from "@wfkit/testing-kit";
import { chromium } from "playwright-core";
import { expect, it } from "vitest";
import { getRun, startRun, waitFor, waitForEnd } from "./harness.js";

/** Reads NDJSON lines from a streamed response body, one at a time. */
function lineReader(body: ReadableStream<Uint8Array>) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  return async (): Promise<unknown | undefined> => {
    for (;;) {
      const newline = buffered.indexOf("\n");
      if (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        return JSON.parse(line);
      }
      const { done, value } = await reader.read();
      if (done) return undefined;
      buffered += value;
    }
  };
}

export function streamTests(base: () => string): void {
  it("streams a run's progress over HTTP while it works, and ends the response when the stream closes", async () => {
    const { runId, progressId } = await startRun(base(), { scenario: "progress", progress: { steps: 3 } });
    const response = await fetch(`${base()}/api/runs/${runId}/stream`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    const next = lineReader(response.body!);
    expect(await next()).toEqual({ step: 1, of: 3, message: "step 1 of 3 done" });
    expect(await next()).toEqual({ step: 2, of: 3, message: "step 2 of 3 done" });
    // The run waits for its go-ahead: these chunks came while it was still going.
    expect((await getRun(base(), runId)).status).toBe("running");
    await waitFor(
      "the go-ahead accepted",
      async () => (await fetch(`${base()}/api/progress/${progressId}`, { method: "POST" })).status === 200,
    );
    expect(await next()).toEqual({ step: 3, of: 3, message: "finished" });
    expect(await next()).toBeUndefined();
    expect((await waitForEnd(base(), runId)).status).toBe("completed");

    // Another request, after the run: the stored chunks, here the last one only.
    const tail = await fetch(`${base()}/api/runs/${runId}/stream?startIndex=-1`);
    expect(
      (await tail.text())
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual([{ step: 3, of: 3, message: "finished" }]);
  });

  it("the page shows the progress job's updates as the run writes them, then the close", async () => {
    const profile = mkdtempSync(path.join(tmpdir(), "next-app-progress-"));
    const context = await chromium.launchPersistentContext(profile, chromiumLaunchOptions());
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${base()}/`);
      const section = page.locator("section.run", { hasText: "Progress job" });
      const started = page.waitForResponse(
        (r) => new URL(r.url()).pathname === "/api/runs" && r.request().method() === "POST",
      );
      await section.getByRole("button", { name: "Start and stream" }).click();
      const { runId } = (await (await started).json()) as { runId: string };
      const items = section.locator("ul.steps li");
      // Steps 1-3 of 4 reach the page; the run then waits for its go-ahead, still running.
      await items.nth(2).waitFor();
      expect((await items.allTextContents()).map((t) => t.trim())).toEqual([
        "step 1 of 4 done",
        "step 2 of 4 done",
        "step 3 of 4 done",
      ]);
      expect((await getRun(base(), runId)).status).toBe("running");
      expect(await section.getByText("The stream was closed.").count()).toBe(0);
      await section.getByRole("button", { name: "Let it finish" }).click();
      await section.getByText("The stream was closed.").waitFor();
      expect((await items.nth(3).textContent())?.trim()).toBe("finished");
      expect((await waitForEnd(base(), runId)).status).toBe("completed");
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it("answers 404 with a code for the stream of an unknown run", async () => {
    const response = await fetch(`${base()}/api/runs/wrun_nope/stream`);
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe("WF_RUN_NOT_FOUND");
  });
}
