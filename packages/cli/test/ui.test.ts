// `wf ui` through the built CLI: over a running `wf dev` (--url: the inspect
// route proxied, live updates and actions included), and over a data folder
// no server holds (read-only).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Child, startChild } from "@wfkit/testing-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, BIN, type DevServer, startDev, waitFor, wf } from "./helpers.js";

const FLOWS = `
import { createHook, getWritable } from "workflow";

async function note(writable: WritableStream<string>, line: string) {
  "use step";
  const writer = writable.getWriter();
  await writer.write(line);
  writer.releaseLock();
}

export async function approval(item: string) {
  "use workflow";
  await note(getWritable<string>(), "asked for " + item);
  const { by } = await createHook<{ by: string }>({ token: "approve:" + item });
  return { item, by };
}
`;

const INSPECT = "/.well-known/workflow/v1/inspect/";
let tmp: string;
let dev: DevServer | undefined;
const children: Child[] = [];

async function startUi(args: string[]): Promise<string> {
  const child = startChild([BIN, "ui", "--port", "0", ...args], { cwd: tmp, name: "wf ui" });
  children.push(child);
  const [, url] = (await child.waitForOutput(
    /^wf ui listening on (http:\/\/127\.0\.0\.1:\d+)$/m,
    20_000,
  )) as string[];
  return url!;
}

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json() };
}

beforeAll(() => {
  assertBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), "wf-ui-cli-test-"));
  mkdirSync(path.join(tmp, "flows"));
  writeFileSync(path.join(tmp, "flows", "approval.ts"), FLOWS);
});

afterAll(async () => {
  for (const child of children) await child.stop();
  if (dev && dev.child.exitCode === null && dev.child.signalCode === null) {
    dev.child.kill("SIGKILL");
    await dev.exited;
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("wf ui --url", () => {
  it("serves the UI and the app's inspect route: runs, stream chunks, live events, resume", async () => {
    dev = await startDev(["flows", "--port", "0", "--data-dir", "data"], tmp);
    const ui = await startUi(["--url", dev.url]);

    const page = await fetch(`${ui}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    expect((await json(`${ui}${INSPECT}info`)).body).toMatchObject({
      world: "sqlite",
      actions: true,
      live: true,
    });

    const events = await fetch(`${ui}${INSPECT}stream`);
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`the event stream ended before ${pattern}: ${text}`);
        text += value;
      }
    };
    await until(/event: hello/);

    const started = await json(`${dev.url}/api/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ workflow: "approval.ts#approval", args: ["A"] }),
    });
    const runId = started.body.runId as string;
    await until(new RegExp(`event: run\\ndata: \\{"runId":"${runId}"`));
    // The step's chunk: told as a stream event, then read through the proxy.
    await until(new RegExp(`event: stream\\ndata: \\{"runId":"${runId}","namespace":""\\}`));
    const stream = await json(`${ui}${INSPECT}runs/${runId}/stream?namespace=`);
    expect(stream.body).toEqual({
      namespace: "",
      chunks: [{ index: 0, value: "asked for A" }],
      tailIndex: 0,
      closed: false,
    });

    const list = await json(`${ui}${INSPECT}runs`);
    expect(list.body.runs.map((r: { runId: string }) => r.runId)).toEqual([runId]);
    await waitFor("the hook to be created", async () => {
      const run = await json(`${ui}${INSPECT}runs/${runId}`);
      return run.body.hooks.length === 1 ? run : undefined;
    });
    const resumed = await json(`${ui}${INSPECT}hooks/${encodeURIComponent("approve:A")}/resume`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ by: "ana" }),
    });
    expect(resumed).toEqual({ status: 200, body: { runId, token: "approve:A" } });
    await until(
      new RegExp(`event: run\\ndata: \\{"runId":"${runId}","workflowId":"[^"]+","status":"completed"`),
    );
    await reader.cancel();
  });

  it("sends --token as a bearer token unless the browser sent its own credentials", async () => {
    // A stand-in app that answers with the authorization header it got.
    const app = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ path: req.url, authorization: req.headers.authorization ?? null }));
    });
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    try {
      const ui = await startUi([
        "--url",
        `http://127.0.0.1:${(app.address() as AddressInfo).port}`,
        "--token",
        "s3cret",
      ]);
      expect((await json(`${ui}${INSPECT}runs?limit=1`)).body).toEqual({
        path: `${INSPECT}runs?limit=1`,
        authorization: "Bearer s3cret",
      });
      const own = await json(`${ui}${INSPECT}info`, { headers: { authorization: "Bearer mine" } });
      expect(own.body.authorization).toBe("Bearer mine");
    } finally {
      app.closeAllConnections();
      app.close();
    }
  });

  it("says when no app answers at the address", async () => {
    const ui = await startUi(["--url", "http://127.0.0.1:9"]);
    const answer = await json(`${ui}${INSPECT}runs`);
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe("WF_RUNTIME_UNAVAILABLE");
  });
});

describe("wf ui --data-dir", () => {
  it("refuses a data folder a server holds", async () => {
    expect(dev).toBeDefined();
    const result = await wf(["ui", "--port", "0", "--data-dir", "data"], tmp);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("WF_W001_DATA_DIR_LOCKED");
  });

  it("reads the folder once it is free, and refuses actions with WF_INSPECT_READ_ONLY", async () => {
    dev!.child.kill("SIGTERM");
    expect(await dev!.exited).toBe(0);
    const ui = await startUi(["--data-dir", "data"]);
    expect((await json(`${ui}${INSPECT}info`)).body).toMatchObject({
      actions: false,
      cancel: true,
      live: false,
    });
    const list = await json(`${ui}${INSPECT}runs?status=completed`);
    expect(list.body.runs).toHaveLength(1);
    const runId = list.body.runs[0].runId;
    const run = await json(`${ui}${INSPECT}runs/${runId}`);
    expect(run.body.output).toEqual({ item: "A", by: "ana" });
    const cancel = await json(`${ui}${INSPECT}runs/${runId}/rerun`, { method: "POST" });
    expect(cancel.status).toBe(409);
    expect(cancel.body.error.code).toBe("WF_INSPECT_READ_ONLY");
    expect((await fetch(`${ui}/`)).status).toBe(200);
    const unknown = await json(`${ui}/nothing`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("WF_ROUTE_NOT_FOUND");
  });

  it("rejects --url together with --data-dir, and --token without --url", async () => {
    const result = await wf(["ui", "--url", "http://127.0.0.1:3000", "--data-dir", "data"], tmp);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("not both");
    const token = await wf(["ui", "--token", "t"], tmp);
    expect(token.code).toBe(2);
    expect(token.stderr).toContain("--url");
  });
});
