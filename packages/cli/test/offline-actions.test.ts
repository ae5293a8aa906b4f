// `wf resume` and `wf rerun` on a data folder no server holds: they record the
// payload and the new run, and the next server on the folder carries them out.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, type DevServer, startDev, waitFor, wf } from "./helpers.js";

const APPROVAL = `
import { createHook } from "workflow";

export async function approval(item: string) {
  "use workflow";
  const { by } = await createHook<{ by: string }>({ token: "offline:" + item });
  return { item, by, at: await stamp(by) };
}

async function stamp(by: string) {
  "use step";
  return by.toUpperCase();
}
`;

const GREET = `
async function hello(name: string) {
  "use step";
  return "hello " + name;
}

export async function greet(name: string) {
  "use workflow";
  return await hello(name);
}
`;

let tmp: string;
let dev: DevServer | undefined;

beforeAll(() => {
  assertBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), "wf-offline-test-"));
  mkdirSync(path.join(tmp, "flows"));
  writeFileSync(path.join(tmp, "flows", "approval.ts"), APPROVAL);
  writeFileSync(path.join(tmp, "flows", "greet.ts"), GREET);
});

afterAll(async () => {
  await dev?.stop("SIGKILL");
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const view = async (runId: string, where: string[]) =>
  JSON.parse((await wf(["inspect", "run", runId, ...where, "--json"], tmp)).stdout);

describe("wf resume and wf rerun on a data folder (no server)", () => {
  it("records a hook's payload and a rerun; the next server finishes both runs", async () => {
    dev = await startDev(["flows", "--port", "0", "--data-dir", "data"], tmp);
    const start = async (workflow: string, args: unknown[]) => {
      const response = await fetch(`${dev!.url}/api/runs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ workflow, args }),
      });
      return ((await response.json()) as { runId: string }).runId;
    };
    const waiting = await start("approval.ts#approval", ["e"]);
    const greeted = await start("greet.ts#greet", ["ada"]);
    const url = ["--url", dev.url];
    await waitFor("the hook to wait and the greeting to complete", async () => {
      const [a, g] = [await view(waiting, url), await view(greeted, url)];
      return (a.hooks.length === 1 && g.status === "completed") || undefined;
    });
    dev.child.kill("SIGTERM");
    expect(await dev.exited).toBe(0);
    dev = undefined;

    const local = ["--data-dir", "data"];
    const resumed = await wf(["resume", "offline:e", "--data", '{"by":"grace"}', ...local], tmp);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toBe(
      `Recorded the payload for hook offline:e of run ${waiting}; the next server on this data folder continues the run.\n`,
    );
    // Recorded, not run: the run waits for a server, with the payload as its last event.
    const recorded = await view(waiting, local);
    expect(recorded.status).toBe("running");
    expect(recorded.hooks[0].requests).toHaveLength(1);
    const events = JSON.parse((await wf(["inspect", "events", waiting, ...local, "--json"], tmp)).stdout);
    expect(events.events.at(-1).type).toBe("hook_received");

    const rerun = await wf(["rerun", greeted, ...local, "--json"], tmp);
    expect(rerun.code, rerun.stderr).toBe(0);
    const { runId: again, rerunOf } = JSON.parse(rerun.stdout);
    expect(rerunOf).toBe(greeted);
    expect(await view(again, local)).toMatchObject({ status: "pending", input: ["ada"] });

    const webhookless = await wf(["resume", "offline:nope", ...local], tmp);
    expect(webhookless.code).toBe(1);
    expect(webhookless.stderr).toContain("WF_HOOK_NOT_FOUND");

    // The next server picks both up at start-up, with no request to it.
    dev = await startDev(["flows", "--port", "0", "--data-dir", "data"], tmp);
    const url2 = ["--url", dev.url];
    const done = await waitFor("the resumed run to complete", async () => {
      const v = await view(waiting, url2);
      return v.status === "completed" ? v : undefined;
    });
    expect(done.output).toEqual({ item: "e", by: "grace", at: "GRACE" });
    const rerunDone = await waitFor("the rerun to complete", async () => {
      const v = await view(again, url2);
      return v.status === "completed" ? v : undefined;
    });
    expect(rerunDone.output).toBe("hello ada");
  });
});
