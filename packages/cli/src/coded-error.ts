/** An error with a `WF_…` code, thrown here or answered by a server as JSON. */
export interface CodedError {
  code: string;
  message: string;
  hint?: string;
}

/**
 * The line(s) `wf` prints for a coded error. A wfkit error's message already reads
 * "CODE: what happened / Fix: … / See: …"; one answered by a server (`--url`) has the
 * parts apart, and gets the same shape here.
 */
export function codedErrorText(e: CodedError): string {
  const text = e.message.startsWith(`${e.code}: `)
    ? e.message
    : `${e.code}: ${e.message}${e.hint ? `\n  Fix: ${e.hint}` : ""}`;
  return `wf: ${text}\n`;
}
