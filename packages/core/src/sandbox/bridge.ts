// The one door between workflow code and the host. The host hands the context
// a single function on `__wfkitHost`; this module takes it off the global before
// any workflow code runs and keeps it in a closure. Only strings cross: the host
// function never sees a sandbox object and no host object (not even a thrown
// error) reaches workflow code, so no constructor chain leads to the host realm.

/** What the host function answers to: `op` names the call, the result is a string. */
export type HostCall = (op: string, a: string, b: string) => string;

const g = globalThis as Record<string, unknown>;
const hostCall = g.__wfkitHost as HostCall;
delete g.__wfkitHost;

/** Calls the host with string arguments; answers a string made in this realm. */
export function callHost(op: string, a = "", b = ""): string {
  let answer: unknown;
  try {
    answer = hostCall(op, `${a}`, `${b}`);
  } catch {
    // The host's error object stays on the host side: only the fact crosses.
    throw new Error(`The workflow runtime could not answer ${op}.`);
  }
  return typeof answer === "string" ? `${answer}` : "";
}
