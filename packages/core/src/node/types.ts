import type { IncomingMessage, ServerResponse } from "node:http";

/** Connect/Express-style `next`: called when a handler does not answer a request. */
export type NodeNext = (error?: unknown) => void;

/** A Node request listener or Connect/Express middleware: `(req, res, next?) => void`. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: NodeNext) => void;

/**
 * A Web-standard handler. Returning `undefined` (or `null`) means "not mine":
 * the Node adapter then calls `next()`, or answers 404 when there is no `next`.
 */
export type WebHandler = (
  request: Request,
) => Response | undefined | null | Promise<Response | undefined | null>;

/** Options of `toNodeHandler()`. */
export interface NodeAdapterOptions {
  /**
   * Take the origin from `X-Forwarded-Proto` / `X-Forwarded-Host` when present.
   * Only enable behind a proxy you trust to set them. Default false.
   */
  trustProxy?: boolean;
  /** Called with every error a handler throws. Default: `console.error`. */
  onError?: (error: unknown, request: Request) => void;
}
