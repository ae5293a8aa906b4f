import type { Activation } from "./sandbox-activation.js";

// What a warm workflow instance costs in memory, estimated: the warm-run cache
// (warm-cache.ts) is bounded by these bytes. V8 cannot tell one run's share of a
// realm cheaply, so the estimate is a measured base plus what activations brought in.

/**
 * One run in its bundle's shared realm (sandbox-vm.ts): its engine and its own
 * evaluation of the workflow modules, with the run started. Measured at about 10 KB
 * on Node 20 for the bench's workflows (heap after GC, 1,000 warm runs kept; each had
 * its own ~230 KB context before the realm was shared); more modules hold more, so 16 KB.
 * The realm itself (one per bundle per thread) is not counted per run.
 */
export const INSTANCE_BASE_BYTES = 16 * 1024;

/** The text an activation hands an instance (its init and events): what the run's state can hold of it. */
export function activationBytes(activation: Activation): number {
  switch (activation.op) {
    case "start":
      return activation.init.length;
    case "replay":
      return activation.init.length + sum(activation.events) + sum(activation.conflicts);
    case "apply":
      return sum(activation.events);
  }
}

function sum(texts: readonly string[]): number {
  let total = 0;
  for (const text of texts) total += text.length;
  return total;
}
