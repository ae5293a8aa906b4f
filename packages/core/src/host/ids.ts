import { randomFillSync } from "node:crypto";
import { type RunId, runId } from "@wfkit/world";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** Random bytes drawn 4 KiB at a time: one call into the CSPRNG per 256 ids, not one per id. */
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

function random16(): Uint8Array {
  if (poolOffset + 16 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  return bytes;
}

/** `wrun_` + 10 chars of time + 16 random chars (Crockford base32): sortable, unguessable. */
export function newRunId(now = Date.now()): RunId {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = random16();
  let rand = "";
  for (const b of bytes) rand += ALPHABET[b & 31];
  return runId(`wrun_${time}${rand}`);
}

export function newRequestId(): string {
  return `wreq_${Buffer.from(random16()).toString("base64url")}`;
}
