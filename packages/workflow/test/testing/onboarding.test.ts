// The example of docs/testing.md, as it is there: a workflow that sleeps a week.
import { afterEach, beforeEach, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "workflow/testing";
import { onboarding } from "./workflows/onboarding";

let env: TestEnv;

beforeEach(async () => {
  env = await createTestEnv({ files: ["workflows/onboarding.ts"], root: import.meta.dirname });
});
afterEach(() => env.close());

it("checks in a week after the welcome mail", async () => {
  const run = await env.start(onboarding, ["ada@example.com"]);

  await env.advance("6d");
  expect(await run.status).toBe("running");

  await env.advance("1d");
  expect(await run.status).toBe("completed");
  expect(await run.returnValue).toBe("sent one-week-check-in to ada@example.com");
});
