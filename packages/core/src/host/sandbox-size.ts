import type { Activation } from "./sandbox-activation.js";

// What a warm workflow instance costs in memory, estimated: the warm-run cache
// (warm-cache.ts) is bounded by these bytes. V8 cannot tell one context's size
// cheaply, so the estimate is a measured base plus what activations brought in.

/**
 * One instance's context with the workflow bundle evaluated and a run started in it:
 * measured at about 250 KB on Node 20 (`vm.measureMemory`, heap deltas over hundreds of contexts).
 */
export const INSTANCE_BASE_BYTES = 256 * 1024;

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
