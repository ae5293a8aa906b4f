// @wfkit/core/testing given compiled workflows: the runtime's clock option is the only
// clock (stamps, sleeps), and settle() refuses to wait forever on a step running in real time.
import { afterEach, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../../src/testing/index.js";
import { buildFixtures } from "../runtime-helpers.js";

const START = Date.UTC(2030, 5, 1);
let env: TestEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

it("stamps events and records on the virtual clock and fires a 30-day sleep on advance", async () => {
  env = await createTestEnv({ workflows: await buildFixtures(["basic.ts"]), startTime: new Date(START) });
  const run = await env.start("forever");
  const scheduled = (await env.events(run)).find((e) => e.type === "sleep_scheduled");
  expect(scheduled).toMatchObject({ wakeAt: START + 30 * 86_400_000, at: START });

  await env.advance("29d");
  expect(await run.status).toBe("running");
  await env.advance("1d");
  expect(await run.status).toBe("completed");
  expect(await run.returnValue).toBe("woke");
  expect(await run.createdAt).toEqual(new Date(START));
  expect(await run.completedAt).toEqual(new Date(START + 30 * 86_400_000));
  expect(env.now()).toBe(START + 30 * 86_400_000);
});

it("fails with WF_TEST_NOT_SETTLED when a step keeps running in real time", async () => {
  env = await createTestEnv({ workflows: await buildFixtures(["basic.ts"]), settleTimeoutMs: 50 });
  // A step that never finishes: virtual time cannot move past it.
  env.mockStep("add", () => new Promise<never>(() => {}));
  await expect(env.start("forever")).rejects.toThrow(/WF_TEST_NOT_SETTLED/);
});
