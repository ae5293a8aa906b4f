import { randomBytes } from "node:crypto";
import { type RunId, runId } from "@wfkit/world";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** `wrun_` + 10 chars of time + 16 random chars (Crockford base32): sortable, unguessable. */
export function newRunId(now = Date.now()): RunId {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let rand = "";
  for (const b of bytes) rand += ALPHABET[b & 31];
  return runId(`wrun_${time}${rand}`);
}

export function newRequestId(): string {
  return `wreq_${randomBytes(16).toString("base64url")}`;
}
