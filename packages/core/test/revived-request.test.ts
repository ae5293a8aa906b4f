// A request revived from the event log for a step (a webhook's request handed to a step, or
// any Request passed as an argument) is made lazily in the host realm: its method, URL,
// headers and body readers need no undici Request, yet it is a Request in every way a step
// can tell, and serializes again with its body.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUFFERED_BODY_KEY, READ_BODY_KEY, RESPOND_KEY, REVIVE_REQUEST_KEY } from "../src/globals.js";
import { bytesWebRequest } from "../src/node/lazy-request.js";
import { deserialize, prepareBodies, serialize } from "../src/serialization/index.js";

const globals = globalThis as Record<symbol, unknown>;
let before: unknown;
beforeAll(() => {
  // As the runtime installs it (host/step-globals.ts).
  before = globals[REVIVE_REQUEST_KEY];
  globals[REVIVE_REQUEST_KEY] = bytesWebRequest;
});
afterAll(() => {
  globals[REVIVE_REQUEST_KEY] = before;
});

/** A Request through the event log: serialized with its body, then revived. */
async function revived(request: Request): Promise<Request> {
  await prepareBodies(request);
  return deserialize<Request>(serialize(request));
}

const posted = () =>
  new Request("https://app.test/hook?x=1", {
    method: "POST",
    headers: { "content-type": "application/json", "x-tag": "a" },
    body: JSON.stringify({ n: 1 }),
  });

describe("a request revived for a step", () => {
  it("is a lazy Request: instanceof, constructor, tag, method, URL, headers and a signal", async () => {
    const request = await revived(posted());
    expect(request instanceof Request).toBe(true);
    // The lazy kind reads its own body (the adapter's, node/lazy-request.ts).
    expect(READ_BODY_KEY in request).toBe(true);
    expect(request.constructor).toBe(Request);
    expect(Object.prototype.toString.call(request)).toBe("[object Request]");
    expect(request.method).toBe("POST");
    expect(request.url).toBe("https://app.test/hook?x=1");
    expect(request.headers.get("x-tag")).toBe("a");
    expect(request.signal).toBeInstanceOf(AbortSignal);
    expect(request.signal.aborted).toBe(false);
  });

  it("reads its body once with text(), json(), arrayBuffer() or bytes(), and refuses a second read", async () => {
    const text = await revived(posted());
    expect(text.bodyUsed).toBe(false);
    expect(await text.text()).toBe('{"n":1}');
    expect(text.bodyUsed).toBe(true);
    await expect(text.text()).rejects.toThrow(TypeError);
    await expect(text.json()).rejects.toThrow(TypeError);
    expect(await (await revived(posted())).json()).toEqual({ n: 1 });
    expect(new TextDecoder().decode(await (await revived(posted())).arrayBuffer())).toBe('{"n":1}');
    expect(new TextDecoder().decode(await (await revived(posted())).bytes())).toBe('{"n":1}');
  });

  it("keeps its body for clone(), new Request(it) and its body stream", async () => {
    const request = await revived(posted());
    const copy = new Request(request, { headers: { "x-copy": "yes" } });
    expect(copy.headers.get("x-copy")).toBe("yes");
    expect(await copy.text()).toBe('{"n":1}');
    expect(await (await revived(posted())).clone().text()).toBe('{"n":1}');
    expect(await new Response((await revived(posted())).body).text()).toBe('{"n":1}');
  });

  it("serializes again with its body; once read, it cannot be, as a read Request cannot", async () => {
    const request = await revived(posted());
    const again = await revived(request);
    // Serialized from the bytes it holds: still lazy, nothing made it real.
    const own = (request as unknown as Record<symbol, () => Uint8Array | undefined>)[BUFFERED_BODY_KEY]!;
    expect(new TextDecoder().decode(own.call(request))).toBe('{"n":1}');
    expect(again.method).toBe("POST");
    expect(again.headers.get("content-type")).toBe("application/json");
    expect(await again.text()).toBe('{"n":1}');
    const real = posted();
    await real.text();
    await expect(revived(real)).rejects.toThrow(TypeError);
    await expect(revived(again)).rejects.toThrow(TypeError);
  });

  it("a manual webhook's request keeps its id and answers through the runtime's respondWith", async () => {
    const received = Object.assign(posted(), { requestId: "req_1" });
    const request = (await revived(received)) as Request & {
      requestId?: string;
      respondWith?: (response: Response) => Promise<void>;
    };
    expect(READ_BODY_KEY in request).toBe(true);
    expect(request.requestId).toBe("req_1");
    expect(await request.json()).toEqual({ n: 1 });
    const answers: [string, number][] = [];
    const respond = globals[RESPOND_KEY];
    globals[RESPOND_KEY] = async (id: string, response: Response) => {
      answers.push([id, response.status]);
    };
    try {
      await request.respondWith!(new Response("ok", { status: 201 }));
    } finally {
      globals[RESPOND_KEY] = respond;
    }
    expect(answers).toEqual([["req_1", 201]]);
  });

  it("is a real Request when it has no body, as the constructor makes it", async () => {
    const request = await revived(new Request("https://app.test/ping", { headers: { "x-tag": "b" } }));
    expect(READ_BODY_KEY in request).toBe(false);
    expect(request.method).toBe("GET");
    expect(request.body).toBeNull();
    expect(request.headers.get("x-tag")).toBe("b");
  });
});
