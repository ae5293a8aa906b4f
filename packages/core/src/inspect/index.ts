export { buildRunView, summarizeRun } from "./build.js";
export { cancelStoredRun } from "./cancel.js";
export { createInspector, type Inspector } from "./inspector.js";
export { rerunStoredRun, resumeStoredHook } from "./offline.js";
export type {
  AttemptView,
  ChildView,
  ErrorView,
  EventPage,
  HookRequestView,
  HookView,
  JsonValue,
  ListRunsOptions,
  ParkedView,
  RunPage,
  RunSummary,
  RunView,
  SleepView,
  StepView,
  StreamChunkView,
  StreamSummary,
  StreamView,
} from "./types.js";
