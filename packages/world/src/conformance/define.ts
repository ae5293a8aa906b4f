import { describe } from "vitest";
import { describeAppend } from "./append.js";
import { describeBundles } from "./bundles.js";
import { describeConcurrency } from "./concurrency.js";
import { useHarness, type WorldFactory } from "./context.js";
import { describeDeliveries } from "./deliveries.js";
import { describeDurability } from "./durability.js";
import { describeHooks } from "./hooks.js";
import { describePrune } from "./prune.js";
import { describeQueue } from "./queue.js";
import { describeResponses } from "./responses.js";
import { describeRuns } from "./runs.js";
import { describeStreams } from "./streams.js";
import { describeTerminal } from "./terminal.js";

/**
 * Registers the World conformance suite with vitest. Call it at the top level of
 * a test file; `factory` runs before every test and must give a fresh, empty World.
 *
 * @example
 * ```ts
 * defineWorldConformance("sqlite", async () => {
 *   const dir = await mkdtemp(join(tmpdir(), "world-"));
 *   return {
 *     world: sqliteWorld({ dataDir: dir }),
 *     reopen: async () => sqliteWorld({ dataDir: dir }),
 *     cleanup: () => rm(dir, { recursive: true, force: true }),
 *   };
 * });
 * ```
 */
export function defineWorldConformance(name: string, factory: WorldFactory): void {
  describe(`World conformance: ${name}`, () => {
    const ctx = useHarness(factory);
    describeRuns(ctx);
    describeAppend(ctx);
    describeTerminal(ctx);
    describeConcurrency(ctx);
    describeQueue(ctx);
    describeHooks(ctx);
    describeDeliveries(ctx);
    describeResponses(ctx);
    describeDurability(ctx);
    describeStreams(ctx);
    describePrune(ctx);
    describeBundles(ctx);
  });
}
