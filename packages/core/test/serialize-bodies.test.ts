// Requests and Responses serialized with their bodies (serializeAsync): every kind of body
// round-trips, the original stays readable, and a body made from a string or bytes is taken
// without reading its stream (buffered-body.ts).
import { describe, expect, it } from "vitest";
import { bufferedBody } from "../src/serialization/buffered-body.js";
import { deserialize, serializeAsync } from "../src/serialization/index.js";

const bodies: Array<[string, () => BodyInit | null]> = [
  ["a string", () => "hello body"],
  ["a Uint8Array", () => new TextEncoder().encode("hello body")],
  ["a Buffer", () => Buffer.from("hello body")],
  ["a Blob", () => new Blob(["hello body"])],
  [
    "a stream",
    () =>
      new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode("hello "));
          c.enqueue(new TextEncoder().encode("body"));
          c.close();
        },
      }),
  ],
];

describe("serializeAsync with bodies", () => {
  for (const [kind, body] of bodies) {
    it(`a Response with ${kind}: round-trips, and the original is still readable`, async () => {
      const original = new Response(body(), { status: 201, headers: { "x-kind": kind } });
      const revived = deserialize<Response>(await serializeAsync(original, "response"));
      expect(revived.status).toBe(201);
      expect(revived.headers.get("x-kind")).toBe(kind);
      expect(await revived.text()).toBe("hello body");
      expect(original.bodyUsed).toBe(false);
      expect(await original.text()).toBe("hello body");
    });

    it(`a Request with ${kind}: round-trips, and the original is still readable`, async () => {
      const init = { method: "POST", body: body(), duplex: "half" } as RequestInit;
      const original = new Request("http://localhost/in", init);
      const revived = deserialize<Request>(await serializeAsync(original, "request"));
      expect(revived.method).toBe("POST");
      expect(revived.url).toBe("http://localhost/in");
      expect(await revived.text()).toBe("hello body");
      expect(await original.text()).toBe("hello body");
    });
  }

  it("a GET Request and a 204 Response have no body", async () => {
    const get = deserialize<Request>(await serializeAsync(new Request("http://localhost/"), "request"));
    expect(get.body).toBeNull();
    const empty = deserialize<Response>(await serializeAsync(new Response(null, { status: 204 }), "r"));
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it("copies a bytes body: changing the bytes afterwards does not change what was serialized", async () => {
    const bytes = new TextEncoder().encode("hello body");
    const text = await serializeAsync(new Response(bytes), "response");
    bytes.fill(0);
    expect(await deserialize<Response>(text).text()).toBe("hello body");
  });

  it("takes a string or bytes body as it is on this Node (no stream read), and not a stream's or a used one's", async () => {
    // If this fails, Node's Request/Response keep their state elsewhere: serializing and
    // answering still work (they read the stream), only slower.
    expect(bufferedBody(Response.json({ a: 1 }))).toBeDefined();
    expect(bufferedBody(new Request("http://localhost/", { method: "POST", body: "x" }))).toBe("x");
    expect(bufferedBody(new Response(new ReadableStream()))).toBeUndefined();
    const used = new Response("read");
    await used.text();
    expect(bufferedBody(used)).toBeUndefined();
    // Not a Request or Response of this runtime: nothing, and the next real one still works.
    expect(bufferedBody({ bodyUsed: false } as unknown as Response)).toBeUndefined();
    expect(bufferedBody(new Response("again"))).toBe("again");
  });
});
