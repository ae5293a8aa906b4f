// Small helpers of the Vite plugin: ids, logging, addresses.
import path from "node:path";
import type { AppServerLogger } from "@wfkit/builder";
import type { Logger, PreviewServer, ViteDevServer } from "vite";
import { codeOf } from "./errors.js";

/** Requests the dev server answers itself; the app's api module never sees them. */
export const VITE_INTERNAL = /^\/(?:@|__|node_modules\/)/;

export function cleanId(id: string): string {
  const query = id.search(/[?#]/);
  return query < 0 ? id : id.slice(0, query);
}

export function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

export function viteLogger(logger: Logger): AppServerLogger {
  return {
    info: (message) => logger.info(message, { timestamp: true }),
    warn: (message) => logger.warn(message, { timestamp: true }),
    error: (message, error) =>
      logger.error(
        error === undefined
          ? message
          : `${message} ${error instanceof Error ? (codeOf(error) ? error.message : (error.stack ?? error.message)) : String(error)}`,
        { timestamp: true, error: error instanceof Error ? error : undefined },
      ),
  };
}

/** `http://host:port` of a listening dev or preview server. */
export function listenOrigin(
  server: ViteDevServer | PreviewServer,
  configured: string | boolean | undefined,
  https: boolean,
): string | undefined {
  const address = server.httpServer?.address();
  if (!address || typeof address === "string") return undefined;
  const host =
    typeof configured === "string" && configured !== "0.0.0.0" && configured !== "::" && configured !== ""
      ? configured
      : "localhost";
  return `${https ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
}
