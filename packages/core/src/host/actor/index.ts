export { auditLogs } from "./log-check.js";
export { RunActor } from "./mailbox.js";
export type { RunInput, Turn } from "./turn.js";
