// Type tests of the public API: type-checked (never run) by test/types.test.ts.
// Each `@ts-expect-error` line must be an error, or tsc fails on the unused directive.
import { expectTypeOf } from "vitest";
import { getRun, type Run, start } from "../../src/api/index.js";
import { sleep } from "../../src/workflow/api.js";
import type { Duration } from "../../src/workflow/duration.js";

declare function processOrder(orderId: string, quantity: number): Promise<{ total: number }>;
declare function noArgs(): Promise<string[]>;

export async function typedStart() {
  const run = await start(processOrder, ["o-1", 2]);
  expectTypeOf(run).toEqualTypeOf<Run<{ total: number }>>();
  expectTypeOf(await run.returnValue).toEqualTypeOf<{ total: number }>();

  // @ts-expect-error: quantity must be a number
  await start(processOrder, ["o-1", "2"]);
  // @ts-expect-error: quantity is missing
  await start(processOrder, ["o-1"]);
  // @ts-expect-error: one argument too many
  await start(processOrder, ["o-1", 2, true]);
  // @ts-expect-error: args is an array, not a spread
  await start(processOrder, "o-1", 2);

  expectTypeOf(await (await start(noArgs)).returnValue).toEqualTypeOf<string[]>();
  expectTypeOf(await (await start(noArgs, [])).returnValue).toEqualTypeOf<string[]>();
  // A workflow id says nothing about types: the caller names the result.
  expectTypeOf(
    await (await start<number>("workflow//order//total", [1])).returnValue,
  ).toEqualTypeOf<number>();
  expectTypeOf(await (await start("workflow//order//total")).returnValue).toEqualTypeOf<unknown>();
}

export async function syncGetRun() {
  const run = getRun<number>("wrun_x");
  expectTypeOf(run).toEqualTypeOf<Run<number>>();
  expectTypeOf(run.status).resolves.toEqualTypeOf<
    "pending" | "running" | "completed" | "failed" | "cancelled"
  >();
  expectTypeOf(run.createdAt).resolves.toEqualTypeOf<Date>();
  expectTypeOf(run.returnValue).resolves.toEqualTypeOf<number>();
}

export async function typedDurations() {
  await sleep("5s");
  await sleep("10 minutes");
  await sleep("1d");
  await sleep("1.5h");
  await sleep("2 Weeks");
  await sleep("500");
  await sleep(250);
  await sleep(new Date());
  // @ts-expect-error: "x" is not a unit
  await sleep("5x");
  // @ts-expect-error: a unit needs a number
  await sleep("minutes");
  // @ts-expect-error: not a duration at all
  await sleep("soon");
  const fromConfig: string = "5s";
  // @ts-expect-error: a plain string is not known to be a duration
  await sleep(fromConfig);
  expectTypeOf<"3 hours">().toMatchTypeOf<Duration>();
}
