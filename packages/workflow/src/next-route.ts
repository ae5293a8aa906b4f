// `workflow/next/route`: the handlers of the route file withWorkflow() generates.
export { DELETE, GET, HEAD, handleWorkflowRequest, OPTIONS, PATCH, POST, PUT } from "@wfkit/next/route";
