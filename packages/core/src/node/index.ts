// @wfkit/core/node: the Node http adapter for Web-standard handlers.
export * from "./adapter.js";
export { requestOrigin, toWebRequest } from "./request.js";
export type * from "./types.js";
