import type { RunView } from "@wfkit/core/api";
import { describe, expect, it } from "vitest";
import { duration, formatRun } from "../src/inspect/format.js";

const base: RunView = {
  runId: "wrun_parent",
  workflowId: "workflow//orders//fulfil",
  status: "running",
  createdAt: Date.UTC(2026, 10, 30, 6, 0, 0),
  eventCount: 3,
  input: [],
  steps: [],
  sleeps: [],
  hooks: [],
  children: [],
  streams: [],
};

describe("wf inspect run: the parent-child link", () => {
  it("prints a run's children (in the head and on the timeline) and a child's parent", () => {
    const parent = formatRun({
      ...base,
      children: [
        {
          runId: "wrun_child",
          workflowId: "workflow//orders//ship",
          status: "completed",
          startedAt: base.createdAt + 5,
          endedAt: base.createdAt + 1_505,
        },
      ],
    });
    expect(parent).toContain("  children  wrun_child");
    expect(parent).toMatch(/\+\S+\s+child wrun_child workflow\/\/orders\/\/ship completed in 1\.5s/);
    expect(parent).not.toContain("  parent ");
    const child = formatRun({ ...base, runId: "wrun_child", parentRunId: "wrun_parent" });
    expect(child).toContain("  parent    wrun_parent");
    expect(child).not.toContain("children");
  });
});

describe("wf inspect run: a parked run", () => {
  it("prints why the run is parked, and nothing when it is not", () => {
    const parked = formatRun({
      ...base,
      parked: {
        code: "WF_REPLAY_DIVERGED",
        message: "Workflow code diverged from its event log at position 4 (step_scheduled): ...",
        position: 4,
        since: base.createdAt + 10,
      },
    });
    expect(parked).toContain(
      "  parked: WF_REPLAY_DIVERGED at position 4: Workflow code diverged from its event log at position 4",
    );
    expect(formatRun(base)).not.toContain("parked");
  });
});

describe("wf inspect run: webhooks and streams", () => {
  it("prints a webhook's request (method, path, body) and the response sent, and the run's streams", () => {
    const text = formatRun({
      ...base,
      hooks: [
        {
          opId: 2,
          token: "wh_secret",
          kind: "webhook",
          createdAt: base.createdAt + 10,
          respondWith: "manual",
          status: "ended",
          requests: [
            {
              receivedAt: base.createdAt + 1_000,
              payload: {
                method: "POST",
                url: "http://127.0.0.1:4000/.well-known/workflow/v1/webhook/wh_secret?x=1",
                headers: { "content-type": "application/json" },
                body: '{"amount":4200}',
              },
              requestId: "req_1",
              response: { status: 201, headers: {}, body: '{"ok":true}' },
              respondedAt: base.createdAt + 1_200,
            },
          ],
        },
      ],
      streams: [
        { namespace: "", tailIndex: 2, closed: false },
        { namespace: "audit", tailIndex: 0, closed: true },
      ],
    });
    expect(text).toMatch(/\+10ms {2}webhook wh_secret ended\n/);
    expect(text).toMatch(
      /\+1\.0s {4}request POST \/\.well-known\/workflow\/v1\/webhook\/wh_secret\?x=1 {2}body \{"amount":4200\}\n/,
    );
    expect(text).toMatch(/\+1\.2s {4}response 201 {2}body \{"ok":true\}\n/);
    expect(text).toContain("\nStreams\n  (default)  3 chunks, open\n  audit  1 chunk, closed\n");
    expect(formatRun(base)).not.toContain("Streams");
  });
});

describe("wf inspect run: lines stay with their own entry", () => {
  it("prints a webhook's request under the webhook even when a sleep starts at the same moment; an ended run's unfired sleep never woke", () => {
    const text = formatRun({
      ...base,
      status: "completed",
      completedAt: base.createdAt + 3_000,
      sleeps: [
        { opId: 1, scheduledAt: base.createdAt + 10, wakeAt: base.createdAt + 10 + 86_400_000 },
        {
          opId: 3,
          scheduledAt: base.createdAt + 1_000,
          wakeAt: base.createdAt + 3_000,
          firedAt: base.createdAt + 3_000,
        },
      ],
      hooks: [
        {
          opId: 2,
          token: "wh_1",
          kind: "webhook",
          createdAt: base.createdAt + 10,
          respondWith: "default",
          status: "ended",
          requests: [
            {
              receivedAt: base.createdAt + 1_000,
              payload: { method: "POST", url: "http://x/w", headers: {}, body: "{}" },
            },
          ],
        },
      ],
    });
    const timeline = text
      .slice(text.indexOf("Timeline\n") + 9)
      .trimEnd()
      .split("\n");
    expect(timeline.map((line) => line.trim().replace(/^\+\S+\s+/, ""))).toEqual([
      "sleep 1d00h, never woke (the run went on without it: a timeout or race it lost)",
      "webhook wh_1 ended",
      "request POST /w  body {}",
      "sleep 2.0s, woke at +3.0s",
    ]);
  });
});

describe("wf inspect durations", () => {
  it("round to whole seconds past a minute, never 60 of them", () => {
    expect(duration(340)).toBe("340ms");
    expect(duration(999.7)).toBe("1.0s");
    expect(duration(59_700)).toBe("59.7s");
    expect(duration(59_960)).toBe("1m00s");
    expect(duration(3_599_993)).toBe("1h00m");
    expect(duration(86_400_000)).toBe("1d00h");
    expect(duration(86_340_000)).toBe("23h59m");
    expect(duration(2 * 86_400_000 + 3 * 3_600_000)).toBe("2d03h");
    expect(duration(125_000)).toBe("2m05s");
  });
});
