// Replays a golden log on the current code the way the runtime loads a cold
// run (RunActor.load in src/host/actor.ts): note every recorded op, start the
// workflow replaying, apply the events in order, finish the replay, take the
// commands the log lacks. The instance is the real one (SandboxInstance: a VM
// context with the workflow bundle), and commands become events through the
// runtime's own `addCommands`.
import { runId as brandRunId, type EventInput, type StoredEvent } from "@wfkit/world";
import { parse } from "devalue";
import { addCommands } from "../../src/host/actor/commands.js";
import { newTurnRequest } from "../../src/host/actor/request.js";
import { SandboxInstance, type SandboxScript } from "../../src/host/sandbox-vm.js";
import type { Command, EngineState } from "../../src/sandbox/protocol.js";
import { EVENT_ROLES, type GoldenLog } from "./log.js";

/** What a cold load of the first `count` events of a log gives. */
export interface Loaded {
  commands: Command[];
  state: EngineState;
}

/** Loads the first `count` events of `log` into a fresh instance, exactly as `RunActor.load` does. */
export function coldLoad(script: SandboxScript, log: GoldenLog, count = log.events.length): Loaded {
  const events = log.events.slice(0, count);
  const created = events[0];
  if (created?.type !== "run_created") throw new Error(`${log.id} does not start with run_created`);
  const instance = new SandboxInstance(script, { webhookBase: () => log.webhookBase, log: () => {} });
  for (const event of events) instance.noteRecorded(event);
  instance.start(
    { runId: log.runId, workflowId: created.workflowId, input: created.input, startedAt: created.at },
    events.length > 1,
  );
  for (let i = 1; i < events.length; i++) instance.apply(events[i]!, i < events.length - 1);
  instance.finishReplay();
  return { commands: instance.takeCommands(), state: instance.state() };
}

/** The events the runtime appends for these commands and this end state, in its order. */
export function derivedEvents(runId: string, loaded: Loaded): EventInput[] {
  const request = newTurnRequest(brandRunId(runId), 0);
  addCommands(request.runId, request, loaded.commands, [], 0);
  const { state } = loaded;
  if (state.status === "completed")
    request.events.push({ v: 1, type: "run_completed", output: state.output, at: 0 });
  if (state.status === "failed") request.events.push({ v: 1, type: "run_failed", error: state.error, at: 0 });
  return request.events;
}

/**
 * A point in the log where the runtime may have loaded the run cold and gone
 * on from there: after each input, and after refused hook tokens (the runtime
 * reloads when an append is refused). `expected` are the derived events the
 * log records from there until the next such point.
 */
export interface Cut {
  /** Events before the cut. */
  count: number;
  expected: StoredEvent[];
  /**
   * The runtime's append from this point was refused (a token another run
   * holds): the log records only part of what the code issued here.
   */
  refused: boolean;
}

export function cutsOf(log: GoldenLog): Cut[] {
  const cuts: Cut[] = [];
  const { events } = log;
  for (let i = 0; i < events.length; i++) {
    const here = events[i]!;
    const next = events[i + 1];
    const isCut =
      EVENT_ROLES[here.type] === "input" || (here.type === "hook_conflict" && next?.type !== "hook_conflict");
    if (!isCut) continue;
    const expected: StoredEvent[] = [];
    let refused = false;
    for (let j = i + 1; j < events.length; j++) {
      const e = events[j]!;
      if (EVENT_ROLES[e.type] === "input") break;
      if (e.type === "hook_conflict") {
        refused = true;
        break;
      }
      if (EVENT_ROLES[e.type] === "derived") expected.push(e);
    }
    cuts.push({ count: i + 1, expected, refused });
  }
  return cuts;
}

/** The code of a serialized error, if the engine failed with a WorkflowError. */
export function errorCode(serializedError: string): string | undefined {
  const error = comparable(serializedError) as { fields?: { code?: string } } | undefined;
  return error?.fields?.code;
}

/**
 * An event in a form to compare: no `seq`/`at` (the time a turn was built),
 * payloads decoded (so an equal value written another way is equal; errors
 * without their stacks, which name files and lines), and the random tokens of
 * hooks replaced by their order of appearance.
 */
export function comparableEvents(events: ReadonlyArray<EventInput | StoredEvent>): unknown[] {
  const randomTokens: string[] = [];
  for (const e of events) {
    if (e.type === "hook_created" && RANDOM_TOKEN.test(e.token) && !randomTokens.includes(e.token))
      randomTokens.push(e.token);
  }
  let text = JSON.stringify(events.map(decodeEvent));
  randomTokens.forEach((token, i) => {
    text = text.split(token).join(`<random token ${i + 1}>`);
  });
  return JSON.parse(text);
}

/** A token from `randomBytes(24).toString("base64url")`, as the sandbox bridge makes them. */
const RANDOM_TOKEN = /^[A-Za-z0-9_-]{32}$/;

const PAYLOAD_FIELDS = ["input", "output", "payload", "error", "metadata", "response"] as const;

function decodeEvent(event: EventInput | StoredEvent): Record<string, unknown> {
  const { at: _at, seq: _seq, ...rest } = event as StoredEvent;
  const out: Record<string, unknown> = { ...rest };
  for (const field of PAYLOAD_FIELDS) {
    if (typeof out[field] === "string") out[field] = comparable(out[field] as string);
  }
  const respondWith = out.respondWith as { static?: string } | undefined;
  if (typeof respondWith === "object" && typeof respondWith.static === "string")
    out.respondWith = { static: comparable(respondWith.static) };
  return out;
}

/**
 * Decodes a serialized payload into plain data without building objects:
 * errors, requests and responses stay as their recorded parts (errors minus
 * the stack).
 */
export function comparable(text: string): unknown {
  if (text.startsWith("j")) return JSON.parse(text.slice(1));
  const tagged = (tag: string) => (value: unknown) => ({ [`$${tag}`]: value });
  return parse(text, {
    Error: ([kind, name, message, _stack, cause, fields]: unknown[]) => ({
      $Error: { kind, name, message, cause },
      fields,
    }),
    WebhookRequest: tagged("WebhookRequest"),
    Request: tagged("Request"),
    Response: tagged("Response"),
    Headers: tagged("Headers"),
  });
}
