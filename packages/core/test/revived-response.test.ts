// A response revived in the host realm (a manual webhook's answer on its way to the caller, a
// webhook's static answer) is lazy: its status, headers and body readers need no undici
// Response, the Node adapter writes it from its bytes, and it is a Response in every way
// code can tell.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUFFERED_BODY_KEY, REVIVE_RESPONSE_KEY } from "../src/globals.js";
import { toNodeHandler } from "../src/node/index.js";
import { bytesWebResponse } from "../src/node/lazy-response.js";
import { bufferedBody } from "../src/serialization/buffered-body.js";
import { deserialize, prepareBodies, serialize } from "../src/serialization/index.js";

const globals = globalThis as Record<symbol, unknown>;
let before: unknown;
beforeAll(() => {
  // As the runtime installs it (host/step-globals.ts).
  before = globals[REVIVE_RESPONSE_KEY];
  globals[REVIVE_RESPONSE_KEY] = bytesWebResponse;
});
afterAll(() => {
  globals[REVIVE_RESPONSE_KEY] = before;
});

/** A Response through serialization, as a step's respondWith() hands it to the webhook route. */
async function revived(response: Response): Promise<Response> {
  await prepareBodies(response);
  return deserialize<Response>(serialize(response));
}

const answer = () =>
  Response.json(
    { ok: true },
    { status: 201, statusText: "Made", headers: { "x-tag": "a", "set-cookie": "a=1" } },
  );

function withCookies(response: Response): Response {
  response.headers.append("set-cookie", "b=2");
  return response;
}

describe("a response revived in the host", () => {
  it("is a lazy Response: instanceof, constructor, tag, status, ok, headers, type", async () => {
    const response = await revived(answer());
    expect(BUFFERED_BODY_KEY in response).toBe(true);
    expect(response instanceof Response).toBe(true);
    expect(response.constructor).toBe(Response);
    expect(Object.prototype.toString.call(response)).toBe("[object Response]");
    expect(response.status).toBe(201);
    expect(response.statusText).toBe("Made");
    expect(response.ok).toBe(true);
    expect(response.type).toBe("default");
    expect(response.redirected).toBe(false);
    expect(response.url).toBe("");
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-tag")).toBe("a");
    expect(response.headers.getSetCookie()).toEqual(["a=1"]);
  });

  it("reads its body once with text(), json(), arrayBuffer() or bytes(), and refuses a second read", async () => {
    const text = await revived(answer());
    expect(text.bodyUsed).toBe(false);
    expect(await text.text()).toBe('{"ok":true}');
    expect(text.bodyUsed).toBe(true);
    await expect(text.text()).rejects.toThrow(TypeError);
    // A read one has no buffered body left, and its real Response is read too.
    expect(bufferedBody(text)).toBeUndefined();
    expect(text.body?.locked || text.bodyUsed).toBe(true);
    expect(await (await revived(answer())).json()).toEqual({ ok: true });
    expect(new TextDecoder().decode(await (await revived(answer())).arrayBuffer())).toBe('{"ok":true}');
    expect(new TextDecoder().decode(await (await revived(answer())).bytes())).toBe('{"ok":true}');
  });

  it("keeps its body and headers for clone(), its body stream and undici's own readers", async () => {
    const response = await revived(answer());
    response.headers.set("x-later", "1");
    const copy = response.clone();
    expect(copy.headers.get("x-later")).toBe("1");
    expect(await copy.text()).toBe('{"ok":true}');
    expect(await response.text()).toBe('{"ok":true}');
    expect(await new Response((await revived(answer())).body).text()).toBe('{"ok":true}');
    // undici's brand checks read its state through the lazy one.
    expect(await Response.prototype.text.call(await revived(answer()))).toBe('{"ok":true}');
  });

  it("serializes again with its body; once read, it cannot be, as a read Response cannot", async () => {
    const response = await revived(answer());
    expect(bufferedBody(response)).toEqual(new TextEncoder().encode('{"ok":true}'));
    const again = await revived(response);
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual({ ok: true });
    await expect(revived(again)).rejects.toThrow(TypeError);
  });

  it("is written by the Node adapter with its status, headers, every cookie and body", async () => {
    const stored = await revived(withCookies(answer()));
    const server = http.createServer(toNodeHandler(() => stored));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const got = await fetch(`http://127.0.0.1:${port}/`);
      expect(got.status).toBe(201);
      expect(got.statusText).toBe("Made");
      expect(got.headers.get("x-tag")).toBe("a");
      expect(got.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
      expect(got.headers.get("content-length")).toBe("11");
      expect(await got.text()).toBe('{"ok":true}');
      // Written from its bytes: nothing made it real (a real one would hold them instead).
      const own = (stored as unknown as Record<symbol, () => Uint8Array | undefined>)[BUFFERED_BODY_KEY]!;
      expect(own.call(stored)).toEqual(new TextEncoder().encode('{"ok":true}'));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("is a real Response without a body, or with a status that has none", async () => {
    const empty = await revived(new Response(null, { status: 202, headers: { "x-tag": "b" } }));
    expect(BUFFERED_BODY_KEY in empty).toBe(false);
    expect(empty.body).toBeNull();
    expect(empty.status).toBe(202);
    expect(empty.headers.get("x-tag")).toBe("b");
    const noContent = await revived(new Response(null, { status: 204 }));
    expect(BUFFERED_BODY_KEY in noContent).toBe(false);
    expect(noContent.status).toBe(204);
    // What the real constructor refuses, it refuses still.
    expect(() => bytesWebResponse(204, "", [], new Uint8Array([1]))).toThrow(TypeError);
    expect(() => bytesWebResponse(99, "", [], new Uint8Array([1]))).toThrow(RangeError);
  });
});
