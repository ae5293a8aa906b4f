// The web UI in a real browser: Debian's Chromium, headless, driven by
// playwright-core against a real `wf dev` (the built CLI) with a workflows
// folder of each kind of run. Runs are started over the JSON API while the page
// is open, so they must arrive through the server-sent events, without a reload.
// UPDATE_SCREENSHOTS=1 writes the screenshots to docs/images/ (else a temp folder).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Child, chromiumLaunchOptions, startChild, waitFor } from "@wfkit/testing-kit";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPROVAL, CATALOG, FAMILY, FEED, ORDERS, PAYMENTS } from "./fixtures.js";

const BIN = fileURLToPath(new URL("../../cli/dist/bin.js", import.meta.url));
const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const SHOTS = process.env.UPDATE_SCREENSHOTS ? path.join(REPO, "docs", "images") : undefined;

let tmp: string;
let dev: Child;
let url: string;
let context: BrowserContext;
let page: Page;

async function start(workflow: string, args: unknown[]): Promise<string> {
  const response = await fetch(`${url}/api/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ workflow, args }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { runId: string }).runId;
}

async function runStatus(runId: string): Promise<{ status: string; output?: any }> {
  return (await fetch(`${url}/api/runs/${runId}`)).json() as Promise<{ status: string; output?: any }>;
}

async function shot(name: string): Promise<void> {
  const dir = SHOTS ?? path.join(tmp, "shots");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name), fullPage: true });
}

/** Waits on a condition: generous, since the machine may be busy (the default is 1 s). */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000, interval: 50 });

/** The row of a run in the list, and its status badge. */
const row = (runId: string) => page.locator(`a.row[data-run-id="${runId}"]`);
const rowStatus = (runId: string) => row(runId).locator(".badge");

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
  const launch = chromiumLaunchOptions();
  tmp = mkdtempSync(path.join(tmpdir(), "wf-ui-test-"));
  mkdirSync(path.join(tmp, "workflows"));
  writeFileSync(path.join(tmp, "workflows", "orders.ts"), ORDERS);
  writeFileSync(path.join(tmp, "workflows", "approval.ts"), APPROVAL);
  writeFileSync(path.join(tmp, "workflows", "payments.ts"), PAYMENTS);
  writeFileSync(path.join(tmp, "workflows", "catalog.ts"), CATALOG);
  writeFileSync(path.join(tmp, "workflows", "family.ts"), FAMILY);
  writeFileSync(path.join(tmp, "workflows", "feed.ts"), FEED);
  dev = startChild([BIN, "dev", "workflows", "--port", "0", "--data-dir", "data"], {
    cwd: tmp,
    name: "wf dev",
  });
  [, url] = (await dev.waitForOutput(
    /^wf dev listening on (http:\/\/127\.0\.0\.1:\d+)$/m,
    30_000,
  )) as string[];
  context = await chromium.launchPersistentContext(path.join(tmp, "chromium-profile"), {
    ...launch,
    viewport: { width: 1360, height: 860 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("dialog", (dialog) => void dialog.accept());
});

afterAll(async () => {
  await context?.close();
  await dev?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("the web UI, in Chromium, against wf dev", () => {
  const ids: Record<string, string> = {};

  it("shows runs of each kind as they start and change, without a reload", async () => {
    await page.goto(`${url}/`);
    await poll(() => page.getByTestId("live").textContent()).toBe("live");
    await poll(() => page.locator(".empty").textContent()).toMatch(/No runs yet/);
    // A reload would lose this mark.
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }));

    ids.order = await start("orders.ts#processOrder", ["A-1"]);
    ids.approval = await start("approval.ts#approval", ["REQ-7"]);
    ids.payment = await start("payments.ts#awaitPayment", ["INV-3"]);
    ids.failed = await start("catalog.ts#importCatalog", [{}]);
    ids.nightly = await start("catalog.ts#nightly", []);

    for (const runId of Object.values(ids)) await row(runId).waitFor();
    // The order run completes after a retry and a sleep: its row turns green by itself.
    await poll(() => rowStatus(ids.order).textContent()).toBe("completed");
    await poll(() => rowStatus(ids.failed).textContent()).toBe("failed");
    expect(await rowStatus(ids.approval).textContent()).toBe("running");
    expect(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(await page.locator("a.row").count()).toBe(5);
  });

  it("filters by status and workflow, and searches by run id", async () => {
    await page.getByTestId("status-failed").click();
    await poll(() => page.locator("a.row").count()).toBe(1);
    expect(await row(ids.failed).count()).toBe(1);
    await page.getByTestId("status-all").click();
    await poll(() => page.locator("a.row").count()).toBe(5);

    const select = page.getByTestId("workflow-filter");
    const catalog = await select.locator("option", { hasText: "nightly" }).getAttribute("value");
    await select.selectOption(catalog!);
    await poll(() => page.locator("a.row").count()).toBe(1);
    expect(await row(ids.nightly).count()).toBe(1);
    await select.selectOption("");
    await poll(() => page.locator("a.row").count()).toBe(5);

    await page.keyboard.press("/");
    await page.keyboard.type(ids.payment.slice(-10));
    await poll(() => page.locator("a.row").count()).toBe(1);
    expect(await row(ids.payment).count()).toBe(1);
    await page.getByTestId("search").fill("");
    await poll(() => page.locator("a.row").count()).toBe(5);
    // A workflow's name matches too.
    await page.getByTestId("search").fill("NIGHT");
    await poll(() => page.locator("a.row").count()).toBe(1);
    expect(await row(ids.nightly).count()).toBe(1);
    await page.getByTestId("search").fill("");
    await poll(() => page.locator("a.row").count()).toBe(5);
    await page.getByTestId("search").blur();
    await shot("ui-runs.png");
  });

  it("opens a run: its steps with their attempts, the retry's error, the stream output", async () => {
    await row(ids.order).click();
    await poll(() => page.getByTestId("run-id").textContent()).toBe(ids.order);
    await poll(() => page.getByTestId("row-step").count()).toBe(5);
    expect(await page.getByTestId("row-sleep").count()).toBe(1);
    // The keyboard walks the timeline: j selects the first row, the reservation step.
    await page.keyboard.press("j");
    await poll(() => page.getByTestId("detail").locator("h3").textContent()).toMatch(/^reserve/);
    const charge = page.getByTestId("row-step").filter({ hasText: "charge" });
    expect(await charge.textContent()).toContain("2 attempts");
    await charge.click();
    const detail = page.getByTestId("detail");
    await poll(() => detail.textContent()).toContain("card network timeout");
    expect(await detail.textContent()).toContain("rcpt-A-1-4200");
    const streams = page.getByTestId("streams");
    await poll(() => streams.textContent()).toContain("charged: rcpt-A-1-4200");
    // A second namespace, listed from the World, under its own name.
    await expect
      .poll(() => streams.locator(".stream-head b").allTextContents())
      .toEqual(["default", "audit"]);
    expect(await streams.textContent()).toContain("paid A-1");
    await shot("ui-run.png");
    // The raw events (e), each saying which step and attempt it is about.
    await page.keyboard.press("e");
    await poll(() => page.getByTestId("events").textContent()).toContain("step_retrying charge · attempt 1");
    await page.keyboard.press("t");
    await page.getByTestId("timeline").waitFor();
  });

  it("reruns a run from its page: a new run with the same input, opened at once", async () => {
    await page.goto(`${url}/#/runs/${ids.order}`);
    await poll(() => page.getByTestId("run-id").textContent()).toBe(ids.order);
    await page.getByTestId("rerun").click();
    await poll(() => page.getByTestId("run-id").textContent()).not.toBe(ids.order);
    const rerun = (await page.getByTestId("run-id").textContent())!;
    expect(page.url()).toContain(`#/runs/${rerun}`);
    await poll(() => page.locator(".run-head .badge").textContent()).toBe("completed");
    expect((await runStatus(rerun)).output).toMatchObject({ orderId: "A-1", receipt: "rcpt-A-1-4200" });
  });

  it("shows a webhook's request as it arrives", async () => {
    await page.goto(`${url}/#/runs/${ids.payment}`);
    await poll(() => page.getByTestId("row-hook").count()).toBe(1);
    await page.getByTestId("row-hook").click();
    await poll(() => page.getByTestId("detail").textContent()).toContain("None received yet");

    const hooks = (await (await fetch(`${url}/api/runs/${ids.payment}/hooks`)).json()) as Array<{
      url: string;
    }>;
    const answer = await fetch(hooks[0]!.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-provider": "test" },
      body: JSON.stringify({ amount: 4200, currency: "eur" }),
    });
    expect(answer.status).toBe(202);
    const request = page.getByTestId("hook-request");
    await request.waitFor();
    const text = await request.textContent();
    expect(text).toContain("POST");
    expect(text).toContain("x-provider: test");
    expect(text).toContain('{"amount":4200,"currency":"eur"}');
    await poll(() => page.locator(".run-head .badge").textContent()).toBe("completed");
  });

  it("shows the response a webhook's workflow sent to its request", async () => {
    const runId = await start("payments.ts#refund", ["INV-4"]);
    await page.goto(`${url}/#/runs/${runId}`);
    await poll(() => page.getByTestId("row-hook").count()).toBe(1);
    await page.getByTestId("row-hook").click();
    const hooks = (await (await fetch(`${url}/api/runs/${runId}/hooks`)).json()) as Array<{ url: string }>;
    const answer = await fetch(hooks[0]!.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ amount: 990 }),
    });
    const answerText = await answer.text();
    expect(answer.status, answerText).toBe(201);
    expect(JSON.parse(answerText)).toEqual({ refunded: "INV-4", amount: 990 });
    const request = page.getByTestId("hook-request");
    await poll(() => request.textContent()).toContain("responded");
    const text = await request.textContent();
    expect(text).toContain('{"amount":990}');
    expect(text).toContain("201");
    expect(text).toContain('{"refunded":"INV-4","amount":990}');
  });

  it("shows stream output as it arrives, without a reload", async () => {
    const runId = await start("feed.ts#feed", ["F-9"]);
    await page.goto(`${url}/#/runs/${runId}`);
    const streams = page.getByTestId("streams");
    await poll(() => streams.textContent()).toContain("first line of F-9");
    expect(await streams.textContent()).not.toContain("second line");
    await page.evaluate(() => Object.assign(window, { __feedPage: true }));
    const resumed = await fetch(`${url}/api/hooks/${encodeURIComponent("feed:F-9")}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ go: true }),
    });
    expect(resumed.ok).toBe(true);
    await poll(() => streams.textContent()).toContain("second line of F-9");
    expect(await page.evaluate(() => (window as { __feedPage?: boolean }).__feedPage)).toBe(true);
  });

  it("shows a failed run's error with the user's stack", async () => {
    // Coming from a run with a hook selected: the new run's page starts with nothing selected.
    await page.goto(`${url}/#/runs/${ids.payment}`);
    await page.getByTestId("row-hook").click();
    await poll(() => page.getByTestId("detail").textContent()).toContain("Requests");
    await page.goto(`${url}/#/runs/${ids.failed}`);
    await poll(() => page.getByTestId("run-id").textContent()).toBe(ids.failed);
    expect(await page.getByTestId("detail").textContent()).toContain("Select a step");
    const error = page.getByTestId("error").first();
    await error.waitFor();
    const text = await error.textContent();
    expect(text).toContain("sku is required");
    expect(text).toMatch(/at validate/);
  });

  it("cancels a run from its page", async () => {
    await page.goto(`${url}/#/runs/${ids.nightly}`);
    await page.getByTestId("cancel").click();
    await poll(() => page.locator(".run-head .badge").textContent()).toBe("cancelled");
    expect((await runStatus(ids.nightly)).status).toBe("cancelled");
  });

  it("resumes a hook with a JSON payload typed on the page", async () => {
    await page.goto(`${url}/#/runs/${ids.approval}`);
    await page.getByTestId("row-hook").click();
    await page.getByTestId("resume-payload").fill('{"approved": true, "by": "ana"}');
    await page.getByTestId("resume").click();
    await poll(() => page.locator(".run-head .badge").textContent()).toBe("completed");
    const run = await waitFor("the approval run to complete", async () => {
      const r = await runStatus(ids.approval);
      return r.status === "completed" ? r : undefined;
    });
    expect(run.output).toEqual({ requestId: "REQ-7", decision: { approved: true, by: "ana" } });
  });

  it("links a parent run to its child run and back", async () => {
    const parent = await start("family.ts#fulfil", ["F-1"]);
    const run = await waitFor("the parent run to complete", async () => {
      const r = await runStatus(parent);
      return r.status === "completed" ? r : undefined;
    });
    expect(run.output).toEqual({ parcel: "parcel-F-1" });
    await page.goto(`${url}/#/runs/${parent}`);
    const children = page.getByTestId("child-runs");
    await poll(() => children.textContent()).toContain("shipOrder (completed)");
    // The child is a row of the parent's timeline, and its detail links to it.
    await page.getByTestId("row-child").click();
    const detail = page.getByTestId("detail");
    await poll(() => detail.textContent()).toContain("child shipOrder");
    expect(await detail.locator("a.mono").textContent()).toMatch(/^wrun_/);
    await children.locator("a").first().click();
    const parentLink = page.getByTestId("parent-run");
    await poll(() => parentLink.textContent()).toContain(parent);
    expect(await page.getByTestId("run-id").textContent()).not.toBe(parent);
    await parentLink.locator("a").click();
    await poll(() => page.getByTestId("run-id").textContent()).toBe(parent);
  });
});
