// The Node adapter against real node:http servers on free ports.
import { createHash } from "node:crypto";
import { Agent, request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { WorkflowRunNotFoundError } from "../src/errors/index.js";
import { toNodeHandler, type WebHandler } from "../src/node/index.js";
import { closeServers, send, serve, serveHandler } from "./node-http.js";

afterEach(closeServers);

describe("toNodeHandler", () => {
  it("gives the handler the method, full URL, every header and the streamed body", async () => {
    let seen: Record<string, unknown> = {};
    const url = await serveHandler(async (request) => {
      const body = new Uint8Array(await request.arrayBuffer());
      seen = {
        method: request.method,
        url: request.url,
        multi: request.headers.get("x-multi"),
        type: request.headers.get("content-type"),
        length: body.length,
        sha: createHash("sha256").update(body).digest("hex"),
      };
      return new Response("ok");
    });
    // 3 MiB in 48 chunks, chunked transfer encoding (no content-length).
    const parts = Array.from({ length: 48 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const answer = await send(`${url}/hooks/in?x=1&y=%20`, {
      method: "POST",
      headers: { "x-multi": ["a", "b"], "content-type": "application/octet-stream" },
      body: parts,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe("ok");
    expect(seen).toEqual({
      method: "POST",
      url: `${url}/hooks/in?x=1&y=%20`,
      multi: "a, b",
      type: "application/octet-stream",
      length: 3 * 1024 * 1024,
      sha: createHash("sha256").update(Buffer.concat(parts)).digest("hex"),
    });
  });

  it("writes the status, status text and headers, keeping several Set-Cookie headers apart", async () => {
    const url = await serveHandler(
      () =>
        new Response("short and stout", {
          status: 418,
          statusText: "I'm a teapot",
          headers: [
            ["set-cookie", "a=1; Path=/"],
            ["set-cookie", "b=2; HttpOnly"],
            ["x-one", "1"],
            ["content-type", "text/plain"],
          ],
        }),
    );
    const answer = await send(url);
    expect(answer.status).toBe(418);
    expect(answer.statusMessage).toBe("I'm a teapot");
    expect(answer.headers["set-cookie"]).toEqual(["a=1; Path=/", "b=2; HttpOnly"]);
    expect(answer.headers["x-one"]).toBe("1");
    expect(answer.headers["content-type"]).toBe("text/plain");
    expect(answer.body.toString()).toBe("short and stout");
  });

  it("writes a string or bytes body in one piece with a Content-Length; other bodies stream as before", async () => {
    const bodies: Record<string, () => Response | Promise<Response>> = {
      "/json": () => Response.json({ greeting: "héllo" }),
      "/bytes": () => new Response(new Uint8Array([104, 105])),
      "/text": () => new Response("plain words", { headers: { "content-type": "text/plain" } }),
      "/blob": () => new Response(new Blob(["from a blob"])),
      "/stream": () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode("streamed"));
              controller.close();
            },
          }),
        ),
      // A body the handler has begun to read: only the rest goes out, from the stream.
      "/half-read": async () => {
        const response = new Response("abcdef");
        const reader = response.body!.getReader();
        await reader.read();
        reader.releaseLock();
        return response;
      },
      // A clone answers in full, and so does the original it was taken from.
      "/cloned": () => new Response("twice").clone(),
    };
    const url = await serveHandler((request) => bodies[new URL(request.url).pathname]!());
    const answers = Object.fromEntries(
      await Promise.all(
        Object.keys(bodies).map(async (path) => [path, await send(`${url}${path}`)] as const),
      ),
    );
    const whole = (path: string) => answers[path]!.headers["content-length"];
    expect(answers["/json"]!.body.toString()).toBe('{"greeting":"héllo"}');
    expect(whole("/json")).toBe(String(Buffer.byteLength('{"greeting":"héllo"}')));
    expect(answers["/json"]!.headers["content-type"]).toBe("application/json");
    expect(answers["/bytes"]!.body.toString()).toBe("hi");
    expect(whole("/bytes")).toBe("2");
    expect(answers["/text"]!.body.toString()).toBe("plain words");
    expect(whole("/text")).toBe("11");
    expect(answers["/blob"]!.body.toString()).toBe("from a blob");
    expect(answers["/stream"]!.body.toString()).toBe("streamed");
    expect(answers["/stream"]!.headers["transfer-encoding"]).toBe("chunked");
    expect(answers["/half-read"]!.body.toString()).toBe("");
    expect(answers["/cloned"]!.body.toString()).toBe("twice");
  });

  it("streams the response body: the first chunk arrives before the stream ends", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const url = await serveHandler(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async start(controller) {
              controller.enqueue(new TextEncoder().encode("first;"));
              await released; // only once the client has the first chunk
              controller.enqueue(new TextEncoder().encode("second"));
              controller.close();
            },
          }),
          { headers: { "content-type": "text/event-stream" } },
        ),
    );
    const body = await new Promise<string>((resolve, reject) => {
      httpRequest(url, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString();
          if (text === "first;") release();
        });
        res.on("end", () => resolve(text));
      })
        .on("error", reject)
        .end();
    });
    expect(body).toBe("first;second");
  });

  it("answers HEAD with the headers and no body, and sends no body for 204", async () => {
    const methods: string[] = [];
    const url = await serveHandler((request) => {
      methods.push(request.method);
      if (new URL(request.url).pathname === "/empty") return new Response(null, { status: 204 });
      return new Response("1234", { headers: { "content-length": "4", "x-kind": "head-test" } });
    });
    const head = await send(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe("4");
    expect(head.headers["x-kind"]).toBe("head-test");
    expect(head.body.length).toBe(0);
    const empty = await send(`${url}/empty`);
    expect(empty.status).toBe(204);
    expect(empty.body.length).toBe(0);
    expect(methods).toEqual(["HEAD", "GET"]);
  });

  it("does not read a body the handler ignores, and the connection stays usable", async () => {
    const url = await serveHandler(() => new Response("ignored your body"));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await send(url, { method: "POST", agent, body: Buffer.alloc(256 * 1024, 1) });
      expect(first.body.toString()).toBe("ignored your body");
      const second = await send(url, { method: "POST", agent, body: Buffer.from("again") });
      expect(second.status).toBe(200);
      expect(second.reusedSocket).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it("lets the handler stop reading a large body and still answer (e.g. 413)", async () => {
    let read = 0;
    const url = await serveHandler(async (request) => {
      const reader = request.body!.getReader();
      while (read < 100_000) {
        const { done, value } = await reader.read();
        if (done) break;
        read += value.byteLength;
      }
      await reader.cancel();
      return Response.json({ error: "too large" }, { status: 413 });
    });
    const chunk = new Uint8Array(64 * 1024).fill(7);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ >= 64) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const response = await fetch(url, { method: "POST", body, duplex: "half" } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: "too large" });
    expect(read).toBeGreaterThanOrEqual(100_000);
    expect(read).toBeLessThan(4 * 1024 * 1024);
  });

  it("calls next() when the handler returns undefined, and answers 404 without next", async () => {
    let nextCalls = 0;
    const node = toNodeHandler(() => undefined);
    const withNext = await serve((req, res) =>
      node(req, res, () => {
        nextCalls++;
        res.end("from next");
      }),
    );
    expect((await send(withNext)).body.toString()).toBe("from next");
    expect(nextCalls).toBe(1);
    const withoutNext = await serve((req, res) => node(req, res));
    const missed = await send(withoutNext);
    expect(missed.status).toBe(404);
    expect(JSON.parse(missed.body.toString()).error.code).toBe("WF_ROUTE_NOT_FOUND");
  });

  it("answers a throwing handler with a JSON 500 that has a code (an error's own code keeps its registered status), and reports the error", async () => {
    const errors: unknown[] = [];
    const url = await serveHandler(
      (request) => {
        if (request.url.endsWith("/coded")) {
          throw new WorkflowRunNotFoundError("r-404");
        }
        throw new Error("boom");
      },
      { onError: (error) => errors.push(error) },
    );
    const plain = await send(url);
    expect(plain.status).toBe(500);
    expect(JSON.parse(plain.body.toString())).toEqual({
      error: {
        code: "WF_HANDLER_FAILED",
        message: "boom",
        hint: expect.any(String),
        docs: "@wfkit/core/docs/errors/WF_HANDLER_FAILED.md",
      },
    });
    const coded = await send(`${url}/coded`);
    expect(coded.status).toBe(404);
    expect(JSON.parse(coded.body.toString()).error).toEqual({
      code: "WF_RUN_NOT_FOUND",
      message: "There is no run with id r-404.",
      hint: new WorkflowRunNotFoundError("x").hint,
      docs: "@wfkit/core/docs/errors/WF_RUN_NOT_FOUND.md",
    });
    expect(errors).toHaveLength(2);
  });

  it("aborts request.signal when the client goes away", async () => {
    let aborted = false;
    let gotRequest!: () => void;
    const arrived = new Promise<void>((resolve) => (gotRequest = resolve));
    const url = await serveHandler(
      (request) =>
        new Promise<Response>((resolve) => {
          gotRequest();
          request.signal.addEventListener("abort", () => {
            aborted = true;
            resolve(new Response("too late"));
          });
        }),
    );
    await hangUpOnceArrived(url, arrived);
    await expect.poll(() => aborted, { timeout: 5_000 }).toBe(true);
  });

  it("gives a request.signal first read after the client went away already aborted", async () => {
    let aborted: boolean | undefined;
    let gotRequest!: () => void;
    const arrived = new Promise<void>((resolve) => (gotRequest = resolve));
    let closed!: () => void;
    const gone = new Promise<void>((resolve) => (closed = resolve));
    const node = toNodeHandler(async (request) => {
      gotRequest();
      await gone;
      aborted = request.signal.aborted;
      return new Response("too late");
    });
    const url = await serve((req, res) => {
      res.once("close", () => closed());
      node(req, res);
    });
    await hangUpOnceArrived(url, arrived);
    await expect.poll(() => aborted, { timeout: 5_000 }).toBe(true);
  });

  it("keeps the path an Express-style mount strips (originalUrl), and reads a body a parser already read", async () => {
    const node = toNodeHandler(async (request) =>
      Response.json({ url: request.url, body: await request.text() }),
    );
    const url = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        // What express.raw() and a mount at "/mounted" leave behind.
        Object.assign(req, { originalUrl: req.url, body: Buffer.concat(chunks) });
        req.url = "/";
        node(req, res);
      });
    });
    const answer = await send(`${url}/mounted/path?q=1`, {
      method: "POST",
      body: Buffer.from("parsed already"),
    });
    expect(JSON.parse(answer.body.toString())).toEqual({
      url: `${url}/mounted/path?q=1`,
      body: "parsed already",
    });
  });

  it("takes the origin from X-Forwarded-* only with trustProxy", async () => {
    const echo: WebHandler = (request) => new Response(request.url);
    const headers = { "x-forwarded-proto": "https", "x-forwarded-host": "app.example.com" };
    const trusting = await serveHandler(echo, { trustProxy: true });
    expect((await send(`${trusting}/a`, { headers })).body.toString()).toBe("https://app.example.com/a");
    const plain = await serveHandler(echo);
    expect((await send(`${plain}/a`, { headers })).body.toString()).toBe(`${plain}/a`);
  });
});

/** Sends a GET to `url` and hangs up once the handler has it (`arrived`). */
async function hangUpOnceArrived(url: string, arrived: Promise<void>): Promise<void> {
  const req = httpRequest(url);
  req.on("error", () => {});
  req.end();
  await arrived;
  req.destroy();
}
