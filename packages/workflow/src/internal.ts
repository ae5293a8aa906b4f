// `workflow/internal`: the module compiled code imports (see docs/internals/compiled-output.md).
export * from "@wfkit/core/workflow/internal";
