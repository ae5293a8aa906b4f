/**
 * The ids of the event log, branded so that a run id, an op id and a message id
 * cannot be swapped for one another or for any string or number. Each brand has
 * exactly one constructor below: the only place a plain value becomes an id.
 * The brands exist at compile time only; at run time they are the plain values.
 */

/** A run id: `wrun_` followed by a sortable, random suffix (see core's `newRunId`). */
export type RunId = string & { readonly __brand: "RunId" };
/** The position of an operation (step call, sleep, hook) in the order the workflow issued it. */
export type OpId = number & { readonly __brand: "OpId" };
/** A queue message id, assigned by the World. */
export type MessageId = string & { readonly __brand: "MessageId" };

/** Brands a string as a run id: for ids the runtime made, or read back from storage. */
export function runId(value: string): RunId {
  return value as RunId;
}

/** Brands an operation's sequence number (the engine counts them from 1). */
export function opId(value: number): OpId {
  return value as OpId;
}

/** Brands a message id a World assigned (read back from its storage). */
export function messageId(value: string): MessageId {
  return value as MessageId;
}
