// The Request toNodeHandler gives its handler: made lazily from the Node request (its
// body read straight off the socket by readLimited), yet a Request in every way a
// handler can tell, and a real node:http server and client around it.
import { Agent, request as httpRequest, type IncomingMessage } from "node:http";
import { connect as connectHttp2, createServer as createHttp2Server } from "node:http2";
import { type AddressInfo, connect } from "node:net";
import { rawRequest, waitFor } from "@wfkit/testing-kit";
import { afterEach, describe, expect, it } from "vitest";
import { READ_BODY_KEY } from "../src/globals.js";
import { DRAIN_MAX_BYTES, readLimited } from "../src/host/body.js";
import { toNodeHandler, toWebRequest } from "../src/node/index.js";
import { closeServers, send, serve, serveHandler } from "./node-http.js";

afterEach(closeServers);

const text = (bytes: Awaited<ReturnType<typeof readLimited>>) =>
  bytes instanceof Uint8Array ? new TextDecoder().decode(bytes) : bytes;

describe("the request toNodeHandler gives its handler", () => {
  it("is a Request: instanceof, constructor, tag, and copies made with new Request() and clone() keep the body", async () => {
    const seen: Record<string, unknown>[] = [];
    const url = await serveHandler(async (request) => {
      const copy = new Request(request, { headers: { "x-copy": "yes" } });
      seen.push({
        instance: request instanceof Request,
        // The lazy one (this runtime's Request allows it): it reads its own body.
        readsOwnBody: READ_BODY_KEY in request,
        constructor: request.constructor === Request,
        tag: Object.prototype.toString.call(request),
        method: request.method,
        url: request.url,
        type: request.headers.get("content-type"),
        copyUrl: copy.url,
        copyHeader: copy.headers.get("x-copy"),
        copyBody: await copy.text(),
      });
      return new Response("ok");
    });
    const answer = await send(`${url}/a/b?c=1`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: Buffer.from("the body"),
    });
    expect(answer.status).toBe(200);
    expect(seen).toEqual([
      {
        instance: true,
        readsOwnBody: true,
        constructor: true,
        tag: "[object Request]",
        method: "POST",
        url: `${url}/a/b?c=1`,
        type: "text/plain",
        copyUrl: `${url}/a/b?c=1`,
        copyHeader: "yes",
        copyBody: "the body",
      },
    ]);
  });

  it("gives readLimited the body from the socket, and the body stays readable afterwards", async () => {
    const seen: unknown[] = [];
    const url = await serveHandler(async (request) => {
      seen.push(text(await readLimited(request, 1_000_000)));
      seen.push(request.bodyUsed);
      seen.push(await request.clone().text());
      seen.push(await request.json());
      return new Response("ok");
    });
    // Chunked, in several writes: the reader must wait for the end, not the first chunk.
    const parts = ['{"a":', '"', "x".repeat(70_000), '"}'].map((s) => Buffer.from(s));
    await send(url, { method: "POST", body: parts });
    const whole = `{"a":"${"x".repeat(70_000)}"}`;
    expect(seen).toEqual([whole, false, whole, { a: "x".repeat(70_000) }]);
  });

  it("takes a body that came whole with its headers at once, without setting the stream flowing", async () => {
    const seen: unknown[] = [];
    const sockets = new Set<unknown>();
    let current: IncomingMessage | undefined;
    const node = toNodeHandler(async (request) => {
      const body = text(await readLimited(request, 1_000_000));
      // A body taken from the stream would have set it flowing.
      seen.push([body, current ? current.readableFlowing : "no request"]);
      return new Response(`got ${body}`);
    });
    const url = await serve((req, res) => {
      current = req;
      sockets.add(req.socket);
      node(req, res);
    });
    // One kept-alive connection; end(body) sends a small body in the same write as its headers.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (body: string) =>
      new Promise<string>((resolve, reject) => {
        const req = httpRequest(url, { method: "POST", agent }, (res) => {
          let answer = "";
          res.on("data", (c: Buffer) => (answer += c));
          res.on("end", () => resolve(answer));
        });
        req.on("error", reject);
        req.end(body);
      });
    try {
      expect(await post('{"n":1}')).toBe('got {"n":1}');
      expect(await post('{"n":2}')).toBe('got {"n":2}');
    } finally {
      agent.destroy();
    }
    expect(seen).toEqual([
      ['{"n":1}', null],
      ['{"n":2}', null],
    ]);
    // The connection was left in order for the next request.
    expect(sockets.size).toBe(1);
  });

  it("reads text(), json(), arrayBuffer() and bytes() once, as a Request does, and refuses a second read", async () => {
    const seen: unknown[] = [];
    const url = await serveHandler(async (request) => {
      const kind = new URL(request.url).pathname.slice(1);
      if (kind === "text") seen.push(await request.text());
      if (kind === "json") seen.push(await request.json());
      if (kind === "arrayBuffer") seen.push(new TextDecoder().decode(await request.arrayBuffer()));
      if (kind === "bytes") seen.push(new TextDecoder().decode(await request.bytes()));
      seen.push(request.bodyUsed);
      seen.push(
        await request.text().then(
          () => "read again",
          (e: Error) => e.name,
        ),
      );
      seen.push(
        (() => {
          try {
            new Request(request);
            return "copied";
          } catch (e) {
            return (e as Error).name;
          }
        })(),
      );
      return new Response("ok");
    });
    for (const kind of ["text", "json", "arrayBuffer", "bytes"]) {
      await send(`${url}/${kind}`, { method: "POST", body: [Buffer.from('{"k":'), Buffer.from('"v"}')] });
    }
    const once = (first: unknown) => [first, true, "TypeError", "TypeError"];
    expect(seen).toEqual([
      ...once('{"k":"v"}'),
      ...once({ k: "v" }),
      ...once('{"k":"v"}'),
      ...once('{"k":"v"}'),
    ]);
    // A GET has no body: empty text, and nothing used up.
    const getUrl = await serveHandler(async (request) =>
      Response.json({ text: await request.text(), used: request.bodyUsed, again: await request.text() }),
    );
    expect(JSON.parse((await send(getUrl)).body.toString())).toEqual({ text: "", used: false, again: "" });
  });

  it("reads a body over the limit to its end before the 413, so a client that asked to close reads the answer", async () => {
    let current: IncomingMessage | undefined;
    const seen: unknown[] = [];
    const node = toNodeHandler(async (request) => {
      const body = await readLimited(request, 100_000);
      // Whether the whole request had come in when readLimited gave its verdict.
      seen.push([body, current?.complete]);
      return Response.json({ code: "WF_PAYLOAD_TOO_LARGE" }, { status: 413 });
    });
    const url = await serve((req, res) => {
      current = req;
      node(req, res);
    });
    // rawRequest sends `Connection: close` (no agent): the server closes once it has answered,
    // and a client still sending then gets a reset instead of the answer.
    for (let i = 0; i < 5; i++) {
      const answer = await rawRequest(url, { method: "POST", body: "x".repeat(1_000_000) });
      expect(answer.status).toBe(413);
    }
    // Without a Content-Length too.
    const chunked = await send(url, {
      method: "POST",
      body: Array.from({ length: 40 }, () => Buffer.alloc(16 * 1024, 1)),
    });
    expect(chunked.status).toBe(413);
    expect(seen).toEqual(Array.from({ length: 6 }, () => ["too-large", true]));
  });

  it("keeps readLimited's too-large when the client hangs up while the rest of its body is dropped", async () => {
    let current: IncomingMessage | undefined;
    const seen: unknown[] = [];
    const node = toNodeHandler(async (request) => {
      seen.push(await readLimited(request, 100_000).catch((error: Error) => error.message));
      return new Response(null, { status: 413 });
    });
    const url = await serve((req, res) => {
      current = req;
      node(req, res);
    });
    const socket = connect(Number(new URL(url).port), "127.0.0.1");
    socket.on("error", () => {});
    socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 300000\r\n\r\n`);
    socket.write(Buffer.alloc(150_000, 1));
    await waitFor("the server, past the limit", () =>
      (current?.socket.bytesRead ?? 0) > 150_000 ? true : undefined,
    );
    socket.destroy();
    await waitFor("readLimited's verdict", () => seen[0]);
    expect(seen).toEqual(["too-large"]);
  });

  it("answers a body declared more than DRAIN_MAX_BYTES over the limit at once, without waiting for it", async () => {
    const url = await serveHandler(async (request) => {
      const body = await readLimited(request, 1000);
      return new Response(String(body), { status: body === "too-large" ? 413 : 500 });
    });
    // Headers only: the body never comes, and the answer must not wait for it.
    const { port } = new URL(url);
    const socket = connect(Number(port), "127.0.0.1");
    const head = await new Promise<string>((resolve, reject) => {
      let received = "";
      socket.on("data", (chunk: Buffer) => {
        received += chunk.toString("latin1");
        if (received.includes("\r\n\r\n")) resolve(received);
      });
      socket.on("error", reject);
      socket.write(
        `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${1000 + DRAIN_MAX_BYTES + 1}\r\n\r\n`,
      );
    });
    socket.destroy();
    expect(head.startsWith("HTTP/1.1 413")).toBe(true);
  });

  it("gives readLimited too-large for a body over the limit without a Content-Length, and keeps the connection usable", async () => {
    const results: unknown[] = [];
    const url = await serveHandler(async (request) => {
      const body = await readLimited(request, 100_000);
      results.push(typeof body === "string" ? body : body?.byteLength);
      if (body === "too-large") {
        // As a Web request whose reader was cancelled: the body cannot be read again.
        results.push(
          request.bodyUsed,
          await request.text().then(
            () => "read",
            () => "refused",
          ),
        );
        return Response.json({ error: "too large" }, { status: 413 });
      }
      return new Response("ok");
    });
    const parts = Array.from({ length: 40 }, () => Buffer.alloc(16 * 1024, 1));
    const big = await send(url, { method: "POST", body: parts });
    expect(big.status).toBe(413);
    expect(results).toEqual(["too-large", true, "refused"]);
    const small = await send(url, { method: "POST", body: Buffer.from("fine") });
    expect(small.status).toBe(200);
    expect(results[3]).toBe(4);
  });

  it("gives readLimited 'timeout' when the declared body never comes, and the client still gets the answer", async () => {
    const url = await serveHandler(async (request) => {
      const body = await readLimited(request, 1000, { timeoutMs: 50 });
      return new Response(String(body), { status: body === "timeout" ? 408 : 200 });
    });
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(url, { method: "POST", headers: { "content-length": "100" } }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      // 10 of the 100 declared bytes, then nothing.
      req.write("0123456789");
    });
    expect(answer).toEqual({ status: 408, body: "timeout" });
  });

  it("reads no body for GET, and reads the body a parser already took through readLimited", async () => {
    const seen: unknown[] = [];
    const handler = toNodeHandler(async (request) => {
      seen.push(text(await readLimited(request, 1000)));
      return new Response("ok");
    });
    const url = await serve((req, res) => {
      if (req.method === "GET") return handler(req, res);
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        Object.assign(req, { body: Buffer.concat(chunks) });
        handler(req, res);
      });
    });
    await send(url);
    await send(url, { method: "POST", body: Buffer.from("parsed first") });
    expect(seen).toEqual([null, "parsed first"]);

    // A small Buffer the parser kept views Node's shared pool: arrayBuffer() is the body alone.
    const sizes: unknown[] = [];
    const sized = toNodeHandler(async (request) => {
      if (new URL(request.url).pathname === "/limited") {
        const body = await readLimited(request, 1000);
        sizes.push(body instanceof Uint8Array && body.constructor.name, text(body));
      } else sizes.push((await request.arrayBuffer()).byteLength);
      return new Response("ok");
    });
    const pooled = await serve((req, res) => {
      Object.assign(req, { body: Buffer.from("tiny") });
      req.resume();
      req.on("end", () => sized(req, res));
    });
    await send(pooled, { method: "POST", body: Buffer.from("tiny") });
    // readLimited gives plain bytes (not the parser's Buffer), as from the socket.
    await send(`${pooled}/limited`, { method: "POST", body: Buffer.from("tiny") });
    expect(sizes).toEqual([4, "Uint8Array", "tiny"]);
  });

  it("has a signal that aborts when the client goes away", async () => {
    let aborted!: () => void;
    const abortedNow = new Promise<void>((resolve) => (aborted = resolve));
    let arrived!: () => void;
    const arrivedNow = new Promise<void>((resolve) => (arrived = resolve));
    const url = await serveHandler(async (request) => {
      request.signal.addEventListener("abort", () => aborted());
      arrived();
      await abortedNow;
      return new Response("too late");
    });
    const req = httpRequest(url);
    req.on("error", () => {});
    req.end();
    await arrivedNow;
    req.destroy();
    await abortedNow;
  });

  it("works over HTTP/2 (h2c): the URL from :authority, the body from the stream", async () => {
    const server = createHttp2Server(
      toNodeHandler(async (request) => {
        const body = await readLimited(request, 1000);
        return Response.json({
          method: request.method,
          url: request.url,
          type: request.headers.get("content-type"),
          body: text(body),
        });
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = connectHttp2(origin);
    try {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = client.request({ ":method": "POST", ":path": "/h2?q=1", "content-type": "text/plain" });
        let status = 0;
        let body = "";
        req.on("response", (headers) => (status = Number(headers[":status"])));
        req.on("data", (chunk: Buffer) => (body += chunk));
        req.on("end", () => resolve({ status, body }));
        req.on("error", reject);
        req.end("over h2");
      });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({
        method: "POST",
        url: `${origin}/h2?q=1`,
        type: "text/plain",
        body: "over h2",
      });
    } finally {
      client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("is the same as toWebRequest's for what a handler reads", async () => {
    const seen: Record<string, unknown>[] = [];
    const describeRequest = async (request: Request) => ({
      method: request.method,
      url: request.url,
      headers: [...request.headers],
      body: await request.text(),
    });
    const lazy = toNodeHandler(async (request) => {
      seen.push(await describeRequest(request));
      return new Response("ok");
    });
    const url = await serve((req, res) => {
      if (req.headers["x-which"] === "lazy") return lazy(req, res);
      describeRequest(toWebRequest(req, res)).then((d) => {
        seen.push(d);
        res.end("ok");
      });
    });
    for (const which of ["lazy", "eager"]) {
      await send(`${url}/same?q=%20`, {
        method: "PUT",
        headers: { "x-which": which, "x-multi": ["1", "2"], "content-type": "application/json" },
        body: Buffer.from('{"same":true}'),
      });
    }
    const [lazySeen, eagerSeen] = seen;
    const withoutWhich = (d: Record<string, unknown>) => ({
      ...d,
      headers: (d.headers as string[][]).filter(([name]) => name !== "x-which"),
    });
    expect(withoutWhich(lazySeen!)).toEqual(withoutWhich(eagerSeen!));
    expect(lazySeen!.body).toBe('{"same":true}');
  });
});
