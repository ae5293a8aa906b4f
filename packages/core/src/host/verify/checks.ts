import { createHmac, timingSafeEqual } from "node:crypto";
import { WorkflowError } from "../../errors/workflow-error.js";
import type { VerifyResult } from "./types.js";

// Pieces every signature scheme shares: secrets checked when configured,
// HMACs compared in constant time, timestamps within a tolerance.

/** The shortest secret a verifier accepts, in bytes of key material. */
export const MIN_SECRET_BYTES = 16;

/** Default timestamp tolerance of the schemes that sign a timestamp: 5 minutes, as the providers use. */
export const DEFAULT_TOLERANCE_MS = 5 * 60_000;

/** Options every preset takes. */
export interface SecretOptions {
  /**
   * The signing secret, or several: a request signed with any of them passes
   * (rotate keys by listing the new one next to the old). Read it from the
   * environment on the server; it never enters workflow code or the event log.
   */
  secret: string | readonly string[];
}

/** Options of the schemes that sign a timestamp. */
export interface TimestampOptions {
  /** Largest distance between the signed timestamp and now, in ms, either way. Default 5 minutes. */
  toleranceMs?: number;
  /** The clock (epoch ms). Default `Date.now`; tests pin it to check published examples. */
  now?: () => number;
}

export function secretError(scheme: string, problem: string): WorkflowError {
  return new WorkflowError(
    "WF_WEBHOOK_SECRET_INVALID",
    `The ${scheme} webhook verifier was given ${problem}, so it would accept signatures others can compute.`,
    `Pass the signing secret the sender gave you (at least ${MIN_SECRET_BYTES} bytes), for example from process.env; check the variable is set where the server runs.`,
  );
}

/** The secrets as a list, each checked: refused at configuration time when empty or short. */
export function secretsOf(scheme: string, secret: SecretOptions["secret"] | undefined): string[] {
  const list = typeof secret === "string" ? [secret] : [...(secret ?? [])];
  if (list.length === 0) throw secretError(scheme, "no secret");
  for (const s of list) {
    if (typeof s !== "string" || s.length === 0) throw secretError(scheme, "an empty secret");
    if (Buffer.byteLength(s) < MIN_SECRET_BYTES) {
      throw secretError(scheme, `a secret of ${Buffer.byteLength(s)} bytes`);
    }
  }
  return list;
}

export function hmac(key: string | Buffer, parts: Array<string | Uint8Array>): Buffer {
  const mac = createHmac("sha256", key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Whether `given` equals `expected`, in time that does not depend on where they differ. */
export function sameBytes(given: Buffer, expected: Buffer): boolean {
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Whether any given signature matches any expected one. */
export function anyMatch(given: Buffer[], expected: Buffer[]): boolean {
  let found = false;
  for (const g of given) for (const e of expected) if (sameBytes(g, e)) found = true;
  return found;
}

export const fail = (reason: string): VerifyResult => ({ ok: false, reason });

/** Checks a signed timestamp (epoch seconds, as text) against the tolerance; a failure when outside. */
export function checkTimestamp(
  value: string | null,
  header: string,
  options: TimestampOptions,
): VerifyResult | undefined {
  if (!value) return fail(`the ${header} header is missing`);
  if (!/^\d{1,15}$/.test(value)) return fail(`the ${header} header is not a timestamp in seconds`);
  const tolerance = options.toleranceMs ?? DEFAULT_TOLERANCE_MS;
  const now = (options.now ?? Date.now)();
  const distance = Math.abs(now - Number(value) * 1000);
  if (distance > tolerance) {
    return fail(
      `the signed timestamp is ${Math.round(distance / 1000)} s from now, over the ${Math.round(tolerance / 1000)} s tolerance (a replay, or a clock that is off)`,
    );
  }
  return undefined;
}

/** A top-level string field of a JSON body (Stripe's event `id`, Slack's `event_id`), if there is one. */
export function jsonField(body: Uint8Array, field: string): string | undefined {
  try {
    const value = JSON.parse(Buffer.from(body).toString("utf8"))?.[field];
    return typeof value === "string" && value.length > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}
