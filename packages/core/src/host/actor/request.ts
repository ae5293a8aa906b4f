import type {
  AppendRequest,
  DeliveryInput,
  EventInput,
  HookRecord,
  MessageId,
  MessageInput,
  RunId,
} from "@wfkit/world";

/** An append request whose lists are always present, so turns merge without checks. */
export interface TurnRequest extends AppendRequest {
  events: EventInput[];
  enqueue: MessageInput[];
  ack: MessageId[];
  dedupeKeys: string[];
  deliveries: DeliveryInput[];
  hooks: { create: Array<Omit<HookRecord, "runId" | "createdAt">>; release: string[] };
}

/** A request with nothing in it yet. */
export function newTurnRequest(runId: RunId, expectedSeq: number): TurnRequest {
  return {
    runId,
    expectedSeq,
    events: [],
    enqueue: [],
    ack: [],
    dedupeKeys: [],
    deliveries: [],
    hooks: { create: [], release: [] },
  };
}
