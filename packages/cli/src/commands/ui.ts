import { createServer } from "node:http";
import path from "node:path";
import { handleInspect, INSPECT_PATH, resolveConfig, serveUi } from "@wfkit/builder";
import { errorResponse, errorResponseFor } from "@wfkit/core";
import { toNodeHandler } from "@wfkit/core/node";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { type ParsedArgs, UsageError } from "../args.js";
import { type CodedError, codedErrorText } from "../coded-error.js";
import { listen, parsePort } from "./dev.js";

const HOST = "127.0.0.1";
/** Request headers passed on to the app with `--url`: what an `inspect.authorize` may check, and the body's type. */
const FORWARDED = ["accept", "authorization", "content-type", "cookie", "last-event-id"];

/** The inspect route of the app at `target`, through this server (so the UI stays same-origin). */
function proxyTo(target: string, token: string | undefined): (request: Request) => Promise<Response> {
  const base = target.replace(/\/+$/, "");
  return async (request) => {
    const url = new URL(request.url);
    const headers = new Headers();
    for (const name of FORWARDED) {
      const value = request.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    // --token: for an app whose inspect.authorize checks a bearer token (the browser sends none).
    if (token !== undefined && !headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    let upstream: Response;
    try {
      upstream = await fetch(base + url.pathname + url.search, {
        method: request.method,
        headers,
        body: hasBody ? await request.arrayBuffer() : undefined,
        signal: request.signal,
      });
    } catch (error) {
      return errorResponse(
        503,
        "WF_RUNTIME_UNAVAILABLE",
        `No server answered at ${base}: ${(error as Error).message}.`,
        "Check the address given with --url, and that the app's server is running.",
      );
    }
    // Answers stream through (the event stream too); only headers the UI reads are kept.
    const out = new Headers();
    for (const name of ["content-type", "cache-control"]) {
      const value = upstream.headers.get(name);
      if (value !== null) out.set(name, value);
    }
    return new Response(upstream.body, { status: upstream.status, headers: out });
  };
}

/**
 * `wf ui [--data-dir DIR | --url URL [--token T]] [--port N]`: serves the web UI on
 * 127.0.0.1, over a data folder no server holds (read-only), or over a running
 * app's inspect route. Resolves with the exit code on SIGINT or SIGTERM.
 */
export async function uiCommand({ positional, flags }: ParsedArgs): Promise<number> {
  if (positional.length > 0)
    throw new UsageError(
      `ui takes no arguments, not ${positional.join(" ")}: wf ui [--data-dir DIR | --url URL]`,
    );
  if (flags.url !== undefined && flags["data-dir"] !== undefined)
    throw new UsageError("wf ui takes --data-dir or --url, not both");
  if (flags.token !== undefined && flags.url === undefined)
    throw new UsageError("--token is sent to the app at --url; give --url too");
  const port = parsePort(flags.port, 3001);

  let inspect: (request: Request) => Promise<Response>;
  let world: ReturnType<typeof sqliteWorld> | undefined;
  let what: string;
  if (typeof flags.url === "string") {
    try {
      new URL(flags.url);
    } catch {
      throw new UsageError(`--url takes the app's address, e.g. http://127.0.0.1:3000, not ${flags.url}`);
    }
    inspect = proxyTo(flags.url, flags.token as string | undefined);
    what = `the app at ${flags.url}`;
  } else {
    const root = process.cwd();
    const { dataDir } = resolveConfig({ root, dataDir: flags["data-dir"] as string | undefined });
    try {
      world = sqliteWorld({ dataDir });
    } catch (error) {
      const e = error as Partial<CodedError> & { message: string };
      if (!e.code) throw error;
      process.stderr.write(codedErrorText({ code: e.code, message: e.message, hint: e.hint }));
      return 1;
    }
    const backend = { world };
    inspect = (request) => handleInspect(backend, request, true);
    what = `the data folder ${path.relative(root, dataDir) || "."} (read-only)`;
  }

  const handler = async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    try {
      if (pathname.startsWith(INSPECT_PATH)) return await inspect(request);
      const ui = await serveUi(request, "/");
      if (ui) return ui;
    } catch (error) {
      return errorResponseFor(error, "WF_HANDLER_FAILED", "The wf ui process printed the error.");
    }
    return errorResponse(
      404,
      "WF_ROUTE_NOT_FOUND",
      `${pathname} is not a route of wf ui.`,
      `wf ui serves the web UI at / and the inspect route at ${INSPECT_PATH}.`,
    );
  };
  const server = createServer(toNodeHandler(handler));
  let origin: string;
  try {
    origin = `http://${HOST}:${await listen(server, port)}`;
  } catch (error) {
    await world?.close();
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(
      code === "EADDRINUSE"
        ? `wf: port ${port} on ${HOST} is in use.\n  Fix: pass --port <another port>, or --port 0 for a free one.\n`
        : `wf: cannot listen on ${HOST}:${port}: ${(error as Error).message}\n`,
    );
    return 1;
  }
  process.stdout.write(`wf ui listening on ${origin}\n  runs of ${what}\n  Ctrl-C stops.\n`);

  return new Promise<number>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      server.close();
      server.closeAllConnections();
      (world?.close() ?? Promise.resolve()).then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
