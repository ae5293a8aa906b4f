// @wfkit/vite/server: what a production server needs, without the Vite plugin or the compiler.
export {
  type NodeAdapterOptions,
  type NodeHandler,
  type NodeNext,
  requestOrigin,
  sendWebResponse,
  toNodeHandler,
  toWebRequest,
  type WebHandler,
} from "@wfkit/core/node";
export {
  createWorkflowServer,
  isWorkflowPath,
  ROUTE_PREFIX,
  type WorkflowLogger,
  type WorkflowServer,
  type WorkflowServerOptions,
  type WorldOption,
} from "./server.js";
