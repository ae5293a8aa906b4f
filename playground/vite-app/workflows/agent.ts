import { DurableAgent } from "@workflow/ai/agent";
import { mockTextModel } from "@workflow/ai/test";
import { getWritable } from "workflow";

/**
 * The peer's durable agent (`@workflow/ai`), unchanged, on wfkit. The model is
 * its mock (a fixed answer), so the example needs no API key. Each model call
 * is a step of the package; the agent streams UI message chunks
 * (`text-delta`, …) to the run's stream, read by `GET /api/runs/:id/stream`.
 */
export async function chat(prompt: string) {
  "use workflow";
  const agent = new DurableAgent({
    model: mockTextModel("Hello from the mock model."),
    instructions: "Answer in one sentence.",
  });
  const result = await agent.stream({
    messages: [{ role: "user", content: prompt }],
    writable: getWritable(),
  });
  const last = result.messages.at(-1);
  return { messages: result.messages.length, answer: last?.content };
}
