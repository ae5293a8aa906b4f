// The Node <-> Web Request/Response bridge of `wf dev`, in process.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendWebResponse, toWebRequest } from "../src/dev/http.js";

let server: Server;
let origin: string;
let handler: (request: Request) => Promise<Response>;

beforeAll(async () => {
  server = createServer((req, res) => {
    void handler(toWebRequest(req, res, origin)).then((response) =>
      sendWebResponse(res, response, req.method),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("the wf dev HTTP bridge", () => {
  it("passes method, URL, headers and a large body through, and back", async () => {
    handler = async (request) => {
      const body = new Uint8Array(await request.arrayBuffer());
      return new Response(body, {
        status: 207,
        headers: {
          "x-method": request.method,
          "x-url": request.url,
          "x-token": request.headers.get("x-token") ?? "",
        },
      });
    };
    const sent = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    const response = await fetch(`${origin}/a/b?c=1`, {
      method: "PUT",
      body: sent,
      headers: { "x-token": "t1" },
    });
    expect(response.status).toBe(207);
    expect(response.headers.get("x-method")).toBe("PUT");
    expect(response.headers.get("x-url")).toBe(`${origin}/a/b?c=1`);
    expect(response.headers.get("x-token")).toBe("t1");
    // Compared as one Buffer: a deep equality of 3 million elements takes seconds.
    expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(sent))).toBe(true);
  });

  it("keeps a path starting with // a path", async () => {
    handler = async (request) => new Response(new URL(request.url).host + new URL(request.url).pathname);
    const { request } = await import("node:http");
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port: new URL(origin).port, path: "//evil.example/x" },
        (res) => {
          let body = "";
          res.on("data", (d) => (body += d));
          res.on("end", () => resolve(body));
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(text).toBe(`${new URL(origin).host}//evil.example/x`);
  });

  it("streams the response: the first chunk arrives before the body is complete", async () => {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    handler = async () =>
      new Response(
        new ReadableStream({
          async start(controller) {
            controller.enqueue(new TextEncoder().encode("first;"));
            await finished;
            controller.enqueue(new TextEncoder().encode("second"));
            controller.close();
          },
        }),
      );
    const response = await fetch(`${origin}/stream`);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("first;");
    finish();
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toBe("second");
  });

  it("keeps several set-cookie headers apart and sends no body for HEAD", async () => {
    handler = async () => {
      const headers = new Headers();
      headers.append("set-cookie", "a=1; Path=/");
      headers.append("set-cookie", "b=2; Path=/");
      return new Response("body", { headers });
    };
    const response = await fetch(`${origin}/cookies`);
    expect(response.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    const head = await fetch(`${origin}/cookies`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("aborts the request's signal when the client goes away", async () => {
    let aborted!: () => void;
    const sawAbort = new Promise<void>((resolve) => (aborted = resolve));
    let started!: () => void;
    const sawRequest = new Promise<void>((resolve) => (started = resolve));
    handler = (request) =>
      new Promise<Response>((resolve) => {
        request.signal.addEventListener("abort", () => {
          aborted();
          resolve(new Response("late"));
        });
        started();
      });
    const client = new AbortController();
    const pending = fetch(`${origin}/slow`, { signal: client.signal }).catch((error: Error) => error.name);
    await sawRequest;
    client.abort();
    expect(await pending).toBe("AbortError");
    await sawAbort;
  });
});
