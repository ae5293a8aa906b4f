// `workflow/internal`: the module compiled code imports as `__wf`, and nothing
// else (the contract in docs/internals/compiled-output.md). Realm plumbing
// (installHost, registry, currentHost) is not exported: core's realms import
// it from ./realm.js.
export {
  markStep,
  markWorkflow,
  registerClass,
  registerStep,
  registerWorkflow,
  stepClosure,
  stepProxy,
  workflowCalledDirectly,
} from "./registry.js";
