import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { messageOf } from "../../errors/format.js";
import { failureCodeOf, runActivation } from "../sandbox-activation.js";
import { SandboxInstance, type SandboxOptions, SandboxScript } from "../sandbox-vm.js";
import type { Act, ActResult, FromSandboxThread, SandboxThreadData, ToSandboxThread } from "./protocol.js";

// A sandbox worker: hosts many runs (one shared vm realm per bundle, sandbox-vm.ts) in a thread whose heap and
// stack are limited (resourceLimits), so runaway workflow code kills at most
// this thread, never the runtime's. Activations run one at a time, in order.

const port = parentPort;
if (!port) throw new Error("the wfkit sandbox thread runs only as a worker thread");
const data = workerData as SandboxThreadData;
// Logs and results go on one channel, in order; the host may poll it (host.ts, waitBriefly).
const post = (message: FromSandboxThread) => data.results.postMessage(message);
/** The activation running now (0: none), read by the host when this thread dies or runs late. */
const running = new Int32Array(data.running);

let base = "http://localhost:3000";
/** The run of the latest activation: an unhandled rejection is reported after it, in a later tick. */
let lastRun = "";
const options: SandboxOptions = {
  webhookBase: () => base,
  log: (level, args) => post({ t: "log", level, text: args.map(String).join(" ") }),
  // No vm timeout: Node 20's aborts the process when it fires during a microtask drain inside a
  // promise continuation; the host stops this whole thread at the deadline instead.
};
let currentHash = "";
/** Bundles kept for runs that started on them (a few: pruned by the host), by hash. */
const scripts = new Map<string, SandboxScript>();
const instances = new Map<number, SandboxInstance>();
const runOf = new Map<number, string>();
/**
 * An instance of the current bundle made while this thread was idle, for the next new run:
 * making one (the bundle's per-run module code) is most of a run's first activation. Only
 * once an instance of that bundle was made within an activation (`loaded`), so a bundle
 * whose module code loops or throws meets its deadline or error there, in a run.
 */
let spare: { script: SandboxScript; instance: SandboxInstance } | undefined;
const loaded = new WeakSet<SandboxScript>();

// A promise workflow code rejected and nobody handled does not fail the run: it is
// deterministic, replays the same way, and the run's outcome is what its workflow
// function returns or throws. It is logged (once per activation that made it).
process.on("unhandledRejection", (reason) => {
  const what =
    reason instanceof Error || (reason as Error)?.message ? (reason as Error).message : String(reason);
  post({
    t: "log",
    level: "warn",
    text: `wfkit: workflow code of run ${lastRun || "(unknown)"} left a rejected promise unhandled: ${what}`,
  });
});

// After answering a lone activation, the next one (the same run's next step result) usually
// comes within a step's time: polled for a moment (`spinUs`) it costs no wake-up of this thread.
// A batch of several means the host is busy: the next comes anyway, so the thread does not wait.
const isLoneAct = (message: ToSandboxThread) => message.t === "acts" && message.acts.length === 1;
port.on("message", (message: ToSandboxThread) => {
  handle(message);
  if (!isLoneAct(message) || data.spinUs <= 0) return;
  let until = performance.now() + data.spinUs / 1000;
  while (performance.now() < until) {
    const next = receiveMessageOnPort(port);
    if (!next) continue;
    handle(next.message as ToSandboxThread);
    if (!isLoneAct(next.message as ToSandboxThread)) return;
    until = performance.now() + data.spinUs / 1000;
  }
});

function handle(message: ToSandboxThread): void {
  switch (message.t) {
    case "script": {
      const script = scripts.get(message.hash) ?? new SandboxScript(message.code, message.hash);
      scripts.set(message.hash, script);
      if (!message.current) return;
      currentHash = message.hash;
      // New runs take the new bundle: a spare of the old one would only hold its memory.
      if (spare && spare.script !== script) spare = undefined;
      // The realm every run of the bundle shares here, made now rather than in a run's first activation.
      try {
        script.realm();
      } catch {
        // Made again (and its error answered) by the first run that needs it.
      }
      return;
    }
    case "forget-script":
      if (message.hash !== currentHash) scripts.delete(message.hash);
      return;
    case "drop":
      forget(message.sandboxes);
      return;
    case "acts": {
      forget(message.drop);
      base = message.base;
      // A very long batch answers in parts (see RESULTS_EVERY_MS).
      let results: ActResult[] = [];
      let since = performance.now();
      for (const one of message.acts) {
        results.push(act(one));
        const now = performance.now();
        if (now - since >= data.resultsEveryMs && results.length < message.acts.length) {
          post({ t: "results", results, done: false });
          results = [];
          since = now;
        }
      }
      post({ t: "results", results, done: true });
      if (!spare) setImmediate(makeSpare);
      return;
    }
  }
}

function makeSpare(): void {
  const script = scripts.get(currentHash);
  if (spare || !script || !loaded.has(script)) return;
  try {
    spare = { script, instance: new SandboxInstance(script, options) };
  } catch {
    // Made again, with its error answered, by the run that needs it.
  }
}

/** A new instance of `script`: the spare if it is one of it. */
function newInstance(script: SandboxScript): SandboxInstance {
  const ready = spare?.script === script ? spare.instance : undefined;
  spare = undefined;
  if (ready) return ready;
  const instance = new SandboxInstance(script, options);
  loaded.add(script);
  return instance;
}

function forget(sandboxes: number[]): void {
  for (const sandbox of sandboxes) {
    instances.delete(sandbox);
    runOf.delete(sandbox);
  }
}

function act({ id, sandbox, activation, bundle }: Act): ActResult {
  Atomics.store(running, 0, id);
  let instance = instances.get(sandbox);
  try {
    if (!instance) {
      if (!currentHash) throw new Error("no workflow bundle was loaded");
      const script = scripts.get(bundle ?? currentHash);
      if (!script) throw new Error(`workflow bundle ${bundle} was not sent to this sandbox worker`);
      instance = newInstance(script);
      instances.set(sandbox, instance);
    }
    if (activation.op !== "apply") runOf.set(sandbox, runIdOf(activation.init));
    lastRun = runOf.get(sandbox) ?? "";
    return { id, answer: runActivation(instance, activation) };
  } catch (error) {
    instances.delete(sandbox);
    if ((error as { code?: unknown } | null)?.code === "WF_WORKFLOW_BUNDLE_THREW") {
      const hint = (error as { hint?: string }).hint ?? "";
      return { id, code: "WF_WORKFLOW_BUNDLE_THREW", message: messageOf(error), hint };
    }
    return { id, code: failureCodeOf(error), message: String((error as Error)?.message ?? error) };
  } finally {
    Atomics.store(running, 0, 0);
  }
}

function runIdOf(init: string): string {
  try {
    return String((JSON.parse(init) as { runId?: unknown }).runId ?? "");
  } catch {
    return "";
  }
}
