// HTTP requests fetch() will not send: a forged Host, a body that lies about
// its length. For tests of what a server refuses.
import {
  createServer,
  request as httpRequest,
  type RequestListener,
  type Server,
  type ServerOptions,
} from "node:http";
import { type AddressInfo, connect } from "node:net";

/** What {@link rawRequest} sends. */
export interface RawRequestInit {
  method?: string;
  /** Sent as given, `host` included (fetch() refuses to set it). */
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/** A response read whole. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

/** Sends one request with `node:http` (any Host, Origin or Content-Type) and reads the whole answer. */
export function rawRequest(url: string, init: RawRequestInit = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: init.method ?? "GET", headers: init.headers, agent: false },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

/** What a server did with a request whose body never came in full. */
export interface StalledAnswer {
  /** Everything the server wrote (status line, headers, body), as text. */
  received: string;
  /** The status of the answer, or undefined when the server closed without one. */
  status: number | undefined;
}

/**
 * Opens a TCP connection, sends a request announcing `Content-Length:
 * declaredLength` but only `sent` bytes of body, and waits until the server
 * closes the connection; resolves with what it answered. Rejects if the
 * connection is still open after `giveUpMs` (default 30 s): the server held it.
 */
export function stalledRequest(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    declaredLength: number;
    sent: string;
    giveUpMs?: number;
  },
): Promise<StalledAnswer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname);
    let received = "";
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`${url}: the server kept the connection open; it answered: ${JSON.stringify(received)}`),
      );
    }, options.giveUpMs ?? 30_000);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("error", () => {}); // a reset is a close too
    socket.on("close", () => {
      clearTimeout(giveUp);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(received)?.[1];
      resolve({ received, status: status === undefined ? undefined : Number(status) });
    });
    socket.on("connect", () => {
      const headers = {
        host: target.host,
        "content-type": "application/json",
        ...options.headers,
        "content-length": String(options.declaredLength),
      };
      const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
      socket.write(
        `${options.method ?? "POST"} ${target.pathname}${target.search} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n${options.sent}`,
      );
    });
  });
}

/** A Node HTTP server a test started, on a free port of 127.0.0.1. */
export interface TestHttpServer {
  server: Server;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Closes every connection and the server. */
  stop(): Promise<void>;
}

/**
 * Starts `http.createServer(options, listener)` on a free port of 127.0.0.1
 * and resolves once it listens.
 */
export async function listenHttp(
  listener: RequestListener,
  options: ServerOptions = {},
): Promise<TestHttpServer> {
  const server = createServer(options, listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    url,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
