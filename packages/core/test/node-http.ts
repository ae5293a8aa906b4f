// Real node:http servers on free ports and a plain client, for the Node adapter's tests.
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import {
  type NodeAdapterOptions,
  type NodeHandler,
  toNodeHandler,
  type WebHandler,
} from "../src/node/index.js";

const servers: Server[] = [];

/** Closes every server `serve` started (call in `afterEach`). */
export async function closeServers(): Promise<void> {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
}

/** A node:http server on a free port whose listener is `listener`. */
export async function serve(listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export const serveHandler = (
  handler: WebHandler,
  options?: NodeAdapterOptions,
  next?: Parameters<NodeHandler>[2],
) => {
  const node = toNodeHandler(handler, options);
  return serve((req, res) => node(req, res, next && (() => next())));
};

export interface Answer {
  status: number;
  statusMessage: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
  reusedSocket: boolean;
}

/** A plain node:http client request, so that what goes over the wire is under control. */
export function send(
  url: string,
  options: RequestOptions & { body?: Buffer | Buffer[] } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode!,
          statusMessage: res.statusMessage!,
          headers: res.headers,
          body: Buffer.concat(chunks),
          reusedSocket: req.reusedSocket,
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    const parts =
      options.body === undefined ? [] : Array.isArray(options.body) ? options.body : [options.body];
    for (const part of parts) req.write(part);
    req.end();
  });
}
