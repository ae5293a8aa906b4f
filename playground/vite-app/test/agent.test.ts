// The peer's DurableAgent (@workflow/ai with the AI SDK's mock model) in the
// playground, under the Vite dev server as a user runs it: the agent's UI
// chunks are read from the run's stream over HTTP, and the run returns the answer.
import { describe, expect, it } from "vitest";
import { getRunInfo, useDevServer, waitFor } from "./helpers.js";

describe("vite-app: a DurableAgent run", { timeout: 90_000 }, () => {
  const dev = useDevServer(90_000);

  it("streams the agent's UI chunks and completes with the model's answer", async () => {
    const started = await fetch(`${dev.base}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: "Say hello." }),
    });
    expect(started.status).toBe(201);
    const { runId } = (await started.json()) as { runId: string };

    // The stream ends when the agent closes it (its closeStream step).
    const response = await fetch(`${dev.base}/api/runs/${encodeURIComponent(runId)}/stream`);
    expect(response.headers.get("content-type")).toBe("application/x-ndjson");
    const chunks = (await response.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; delta?: string; messageId?: string });
    expect(chunks.map((c) => c.type)).toEqual([
      "start",
      "start-step",
      "text-start",
      "text-delta",
      "text-end",
      "finish-step",
      "finish",
    ]);
    expect(chunks.find((c) => c.type === "text-delta")?.delta).toBe("Hello from the mock model.");

    const done = await waitFor("the run to complete", async () => {
      const info = await getRunInfo(dev.base, runId);
      return info.status === "completed" ? info : undefined;
    });
    expect(done.output).toEqual({
      messages: 3,
      answer: [{ type: "text", text: "Hello from the mock model." }],
    });
  });
});
