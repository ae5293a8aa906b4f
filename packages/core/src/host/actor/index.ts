export { RunActor } from "./mailbox.js";
export type { RunInput, Turn } from "./turn.js";
