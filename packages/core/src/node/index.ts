// @wfkit/core/node: the Node http adapter for Web-standard handlers.
export * from "./adapter.js";
