// Small helpers of the Vite plugin: file filters, logging, addresses.
import path from "node:path";
import { type Diagnostic, diagnosticDocsUrl } from "@wfkit/compiler";
import { DEFAULT_WORKFLOW_DIRS, SKIPPED_DIRS } from "@wfkit/core/app";
import type { Logger, PreviewServer, ViteDevServer } from "vite";
import { codeOf, formatErrorMessage } from "./errors.js";
import type { WorkflowLogger } from "./server.js";

export const SOURCE = /\.(?:[cm]?[jt]sx?)$/;
export const SKIP_DIRS = SKIPPED_DIRS;
export const DEFAULT_DIRS = DEFAULT_WORKFLOW_DIRS;
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

export function formatDiagnostic(d: Diagnostic): string {
  return formatErrorMessage(d.code, d.message, d.hint, diagnosticDocsUrl(d.code));
}

export function viteLogger(logger: Logger): WorkflowLogger {
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
