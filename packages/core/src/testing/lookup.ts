import { WorkflowError } from "../errors/workflow-error.js";

/** One function of the build, as the compiler's manifest lists it. */
export interface TestManifestEntry {
  /** Its stable id, such as `workflow//workflows/order//placeOrder`. */
  id: string;
  /** Its name path (`placeOrder`, `placeOrder/chargeCard`). */
  name: string;
  /** The name it is exported as, or null. */
  exportName: string | null;
}

/** The workflows and steps of a build (the `manifest` of `buildWorkflowBundle`). */
export interface TestManifest {
  workflows: TestManifestEntry[];
  steps: TestManifestEntry[];
}

/** A workflow or step as a test names it: the function itself, or its id. */
export type FunctionRef = string | ((...args: never[]) => unknown);

/**
 * The id of a workflow or step. A compiled function carries its id; a plain import
 * of the source file (what a vitest test gets) does not, so it is found by its name
 * in the build's manifest.
 */
export function idOf(ref: FunctionRef, kind: "workflow" | "step", entries: TestManifestEntry[]): string {
  if (typeof ref === "string") {
    const named = entries.filter((e) => e.id === ref || e.exportName === ref || e.name === ref);
    if (named.length === 1) return named[0]!.id;
    if (named.length === 0 && ref.includes("//")) return ref;
    throw notFound(ref, kind, named.length, entries);
  }
  const tagged = (ref as { workflowId?: unknown; stepId?: unknown })[
    kind === "workflow" ? "workflowId" : "stepId"
  ];
  if (typeof tagged === "string") return tagged;
  const name = ref.name;
  const named = entries.filter((e) => e.exportName === name || e.name === name);
  if (named.length === 1) return named[0]!.id;
  throw notFound(name || "(anonymous)", kind, named.length, entries);
}

function notFound(name: string, kind: string, matches: number, entries: TestManifestEntry[]): WorkflowError {
  const known = entries.map((e) => e.id).join(", ") || "none";
  return new WorkflowError(
    "WF_TEST_LOOKUP",
    matches === 0
      ? `The test environment's build has no ${kind} named ${name}. Its ${kind}s: ${known}.`
      : `The test environment's build has ${matches} ${kind}s named ${name}: ${known}.`,
    matches === 0
      ? `Add the file that defines it to createTestEnv({ files }), and check that the function is marked "use ${kind}".`
      : `Pass the ${kind}'s id (one of the ids above) instead of the function.`,
  );
}
