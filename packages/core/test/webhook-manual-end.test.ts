// A manual webhook answered by the workflow's last statement: the response is put in
// the same turn that ends the run, and the caller must get it, not
// WF_WEBHOOK_NO_RESPONSE (on SQLite the run's end used to be seen first).
import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "@wfkit/testing-kit";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { WEBHOOK_PATH } from "../src/host/webhook.js";
import { testRuntime } from "./runtime-helpers.js";

const BASE = "http://app.test";
const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-manual-end-"));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

for (const worldName of ["memory", "sqlite"] as const) {
  describe(`a manual webhook answered as the run ends, on the ${worldName} World`, () => {
    it("gives the caller the workflow's response, 5 of 5 times", async () => {
      const t = await testRuntime(
        ["hooks.ts"],
        { webhookBaseUrl: BASE },
        worldName === "sqlite" ? () => sqliteWorld({ dataDir }) : undefined,
      );
      try {
        for (let i = 1; i <= 5; i++) {
          const run = await t.runtime.start(t.id("hooks.ts", "manualInWorkflow"));
          const hook = await waitFor("the webhook", async () => (await t.runtime.world.listHooks(run))[0]);
          const response = await t.runtime.handleWebhook(
            new Request(`${BASE}${WEBHOOK_PATH}${hook.token}`, {
              method: "POST",
              body: JSON.stringify({ n: i }),
            }),
          );
          expect(response.status, await response.clone().text()).toBe(200);
          expect(await response.json()).toEqual({ doubled: 2 * i });
          expect(await run.returnValue).toBe(i);
        }
      } finally {
        await t.runtime.close();
      }
    });
  });
}
