import type { World } from "@wfkit/world";
import { RESPOND_KEY, RESUME_TYPED_HOOK_KEY, REVIVE_REQUEST_KEY, REVIVE_RESPONSE_KEY } from "../globals.js";
import { bytesWebRequest } from "../node/lazy-request.js";
import { bytesWebResponse } from "../node/lazy-response.js";
import { serializeAsync } from "../serialization/index.js";
import type { StandardSchemaLike } from "../workflow/hooks.js";
import { validate } from "./errors.js";
import { whenRecorded } from "./hook-delivery.js";

// User code reaches the runtime of its process through two global functions
// (any copy of the "workflow" module may call them, and it imports no runtime):
// a webhook request's `respondWith` in a step, and `defineHook().resume` in server code.
// Two more are serialization's: how the host revives a request (for a step) and a response
// (a manual webhook's answer, on its way to the caller).

/**
 * Installs the globals user code calls: answering a webhook request, and
 * resuming a typed hook (its payload validated by the hook's schema first);
 * and how requests and responses are revived in this realm (lazily: node/lazy-request.ts,
 * node/lazy-response.ts).
 * The last runtime created in the process owns them.
 */
export function installStepGlobals(
  world: World,
  resumeHook: (token: string, payload: unknown) => Promise<{ runId: string }>,
): void {
  // Requests revived for steps (a webhook's request passed to a step) are lazy: no undici work until needed.
  (globalThis as Record<symbol, unknown>)[REVIVE_REQUEST_KEY] = bytesWebRequest;
  (globalThis as Record<symbol, unknown>)[REVIVE_RESPONSE_KEY] = bytesWebResponse;
  (globalThis as Record<symbol, unknown>)[RESPOND_KEY] = async (requestId: string, response: Response) => {
    const serialized = await serializeAsync(response, "response");
    if (await whenRecorded(requestId)) await world.putResponse(requestId, serialized);
  };
  (globalThis as Record<symbol, unknown>)[RESUME_TYPED_HOOK_KEY] = async (
    token: string,
    payload: unknown,
    schema?: StandardSchemaLike<unknown>,
  ) => {
    const value = schema ? await validate(schema, payload) : payload;
    const { runId } = await resumeHook(token, value);
    return { runId, token };
  };
}
