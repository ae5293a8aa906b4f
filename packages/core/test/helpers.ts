import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildWorkflowBundle } from "@wfkit/builder";
import type { StoredEvent } from "@wfkit/world";
import { SandboxInstance, SandboxScript } from "../src/host/sandbox-vm.js";
import type { Command } from "../src/sandbox/protocol.js";

/** Bundles hand-written workflow-mode code (explicit runtime calls, no directives) into a sandbox script. */
export async function sandboxScript(source: string): Promise<SandboxScript> {
  const dir = mkdtempSync(path.join(tmpdir(), "wfkit-engine-"));
  writeFileSync(path.join(dir, "wf.ts"), source);
  const bundle = await buildWorkflowBundle({ root: dir, files: ["wf.ts"] });
  return new SandboxScript(bundle.code, bundle.hash);
}

export const T0 = 1_700_000_000_000;

/** Drives one instance through a hand-written log, like a cold replay does. */
export class LogDriver {
  instance: SandboxInstance;
  events: StoredEvent[] = [];
  logs: unknown[][] = [];

  constructor(
    script: SandboxScript,
    readonly workflowId: string,
    readonly input: string,
  ) {
    this.instance = new SandboxInstance(script, {
      webhookBase: () => "http://test",
      log: (_l, args) => this.logs.push(args),
    });
  }

  start(): Command[] {
    this.instance.start(
      { runId: "wrun_test", workflowId: this.workflowId, input: this.input, startedAt: T0 },
      false,
    );
    return this.instance.takeCommands();
  }

  apply(event: Record<string, unknown>, at = T0 + 1): Command[] {
    this.instance.apply({ v: 1, at, ...event } as never, false);
    return this.instance.takeCommands();
  }

  state() {
    return this.instance.state();
  }
}

/** Replays a complete log into a fresh instance and returns its commands and state. */
export function replay(
  script: SandboxScript,
  workflowId: string,
  input: string,
  log: Array<Record<string, unknown>>,
) {
  const instance = new SandboxInstance(script, { webhookBase: () => "http://test", log: () => {} });
  const events = log.map((e, i) => ({
    v: 1,
    seq: i + 2,
    at: (e.at as number) ?? T0 + i + 1,
    ...e,
  })) as StoredEvent[];
  for (const e of events) instance.noteRecorded(e);
  instance.start({ runId: "wrun_test", workflowId, input, startedAt: T0 }, true);
  for (const e of events) instance.apply(e, true);
  instance.finishReplay();
  return { commands: instance.takeCommands(), state: instance.state() };
}
