import type { AppendRequest, AppendResult, CreateRunInput, CreateRunResult } from "../append.js";
import type { BundleInfo } from "../bundles.js";
import type { StoredEvent } from "../events.js";
import {
  DEFAULT_RELEASED_HOOK_RETENTION_MS,
  type DeliveryRecord,
  type HookRecord,
  type ReleasedHookRecord,
} from "../hooks.js";
import { type MessageId, messageId, type RunId } from "../ids.js";
import type { ClaimOptions, MessageInput, QueueMessage } from "../queue.js";
import { runCreatedEvent } from "../run-created.js";
import {
  compareRunsNewestFirst,
  isPrunable,
  isTerminal,
  type ListRunsFilter,
  matchesRunFilter,
  type PruneRunsOptions,
  type RunRecord,
} from "../runs.js";
import type { World } from "../world.js";
import { MemoryStreams } from "./streams.js";

type StoredMessage = QueueMessage & { leasedUntil: number | null };

/** Options of {@link memoryWorld}. */
export interface MemoryWorldOptions {
  /** How long a released hook is remembered (`getReleasedHook`). Default 7 days. */
  releasedHookRetentionMs?: number;
  /**
   * The clock stamping records and deciding what is due, in epoch ms. Default
   * `Date.now`. Give it the runtime's clock when that is virtual (the test kit).
   */
  now?: () => number;
}

/** Expired deliveries and released hooks are deleted at most this often, during appends. */
const PRUNE_EVERY_MS = 60_000;

/**
 * A plain in-memory World, for tests and examples only: nothing is durable, and
 * everything is lost when the process ends (or the object is dropped). It passes
 * `@wfkit/world/conformance` (all but the durability group, which needs a reopen),
 * so a runtime on it behaves like one on a real World within one process.
 *
 * Every method does its work synchronously, which makes each call atomic;
 * results are handed back asynchronously, like a real World's.
 *
 * @example
 * ```ts
 * import { memoryWorld } from "@wfkit/world/memory";
 * const runtime = new Runtime({ world: memoryWorld(), workflows });
 * ```
 */
export class MemoryWorld implements World {
  readonly name = "memory";
  /** The only writer of its data, so a runtime may pipeline appends (as on embedded SQLite). */
  readonly singleProcess = true;
  readonly streams = new MemoryStreams();
  private readonly runs = new Map<string, { record: RunRecord; order: number }>();
  private readonly events = new Map<string, StoredEvent[]>();
  private readonly dedupe = new Set<string>();
  private readonly hooks = new Map<string, HookRecord & { order: number }>();
  private readonly messages = new Map<MessageId, StoredMessage>();
  private readonly responses = new Map<string, string>();
  private readonly waiters = new Map<string, Array<(value: string | null) => void>>();
  private readonly listeners = new Set<() => void>();
  private readonly released = new Map<string, ReleasedHookRecord>();
  /** Deliveries by token and id; `byRequest` finds one from its manual response's request id. */
  private readonly deliveries = new Map<string, DeliveryRecord>();
  private readonly byRequest = new Map<string, string>();
  private readonly retentionMs: number;
  private nextPrune = 0;
  private counter = 0;
  private readonly bundles = new Map<string, { code: string; storedAt: number }>();

  private readonly now: () => number;

  constructor(options: MemoryWorldOptions = {}) {
    this.now = options.now ?? Date.now;
    this.retentionMs = options.releasedHookRetentionMs ?? DEFAULT_RELEASED_HOOK_RETENTION_MS;
  }

  async createRun(input: CreateRunInput): Promise<CreateRunResult> {
    const existing = [...this.runs.values()].find(
      (r) => input.idempotencyKey !== undefined && r.record.idempotencyKey === input.idempotencyKey,
    );
    if (existing) return { created: false, run: { ...existing.record }, messages: [] };
    if (this.runs.has(input.runId)) throw new Error(`run ${input.runId} exists`);
    const record: RunRecord = {
      runId: input.runId,
      workflowId: input.workflowId,
      status: "pending",
      input: input.input,
      createdAt: input.at,
      lastSeq: 1,
      ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
      ...(input.parentRunId !== undefined ? { parentRunId: input.parentRunId } : {}),
    };
    this.runs.set(input.runId, { record, order: this.counter++ });
    this.events.set(input.runId, [{ ...runCreatedEvent(input), seq: 1 }]);
    const messages = this.insert(input.enqueue ?? []);
    if (!input.firstTurn) return { created: true, run: { ...record }, messages };
    const turn = await this.append({ ...input.firstTurn, runId: input.runId, expectedSeq: 1 });
    if (!turn.ok) throw new Error(`first turn refused: ${turn.reason}`);
    return { created: true, run: { ...this.runs.get(input.runId)!.record }, messages, turn };
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    const run = this.runs.get(runId);
    return run ? { ...run.record } : null;
  }

  async listRuns(filter: ListRunsFilter = {}): Promise<RunRecord[]> {
    return [...this.runs.values()]
      .map((r) => r.record)
      .filter((r) => matchesRunFilter(r, filter))
      .sort(compareRunsNewestFirst)
      .slice(0, filter.limit ?? Number.POSITIVE_INFINITY)
      .map((r) => ({ ...r }));
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    const run = this.runs.get(request.runId)?.record;
    if (!run) return { ok: false, reason: "run_not_found" };
    if (isTerminal(run.status)) return { ok: false, reason: "run_ended", status: run.status };
    if (request.expectedSeq !== undefined && request.expectedSeq !== run.lastSeq) {
      return { ok: false, reason: "conflict", lastSeq: run.lastSeq };
    }
    const key = (k: string) => `${run.runId}\u0000${k}`;
    const duplicate = request.dedupeKeys?.find((k) => this.dedupe.has(key(k)));
    if (duplicate !== undefined) return { ok: false, reason: "duplicate", key: duplicate };
    const now = this.now();
    const given = new Set<string>();
    for (const { token, id } of request.deliveries ?? []) {
      const at = deliveryKey(token, id);
      if (given.has(at) || this.liveDelivery(at, now))
        return { ok: false, reason: "duplicate_delivery", token, id };
      given.add(at);
    }
    const seen = new Set<string>();
    for (const { token } of request.hooks?.create ?? []) {
      const owner = seen.has(token) ? run.runId : this.hooks.get(token)?.runId;
      if (owner !== undefined) return { ok: false, reason: "hook_conflict", token, ownerRunId: owner };
      seen.add(token);
    }

    const firstSeq = request.events.length > 0 ? run.lastSeq + 1 : run.lastSeq;
    const log = this.events.get(run.runId)!;
    for (const event of request.events) {
      run.lastSeq += 1;
      log.push({ ...structuredClone(event), seq: run.lastSeq } as StoredEvent);
    }
    for (const [field, value] of Object.entries(request.run ?? {})) {
      if (value !== undefined) (run as unknown as Record<string, unknown>)[field] = value;
    }
    for (const hook of request.hooks?.create ?? []) {
      this.hooks.set(hook.token, {
        ...structuredClone(hook),
        runId: run.runId,
        createdAt: now,
        order: this.counter++,
      });
      this.released.delete(hook.token);
    }
    for (const token of request.hooks?.release ?? []) {
      if (this.hooks.get(token)?.runId === run.runId) this.releaseHook(token, "disposed", now);
    }
    for (const id of request.ack ?? []) this.messages.delete(id);
    let messages = this.insert(request.enqueue ?? []);
    for (const k of request.dedupeKeys ?? []) this.dedupe.add(key(k));
    for (const delivery of request.deliveries ?? []) {
      const at = deliveryKey(delivery.token, delivery.id);
      this.deliveries.set(at, { ...structuredClone(delivery), runId: run.runId, recordedAt: now });
      if (delivery.requestId !== undefined) this.byRequest.set(delivery.requestId, at);
    }
    if (isTerminal(run.status)) {
      for (const [token, hook] of this.hooks)
        if (hook.runId === run.runId) this.releaseHook(token, "run_ended", now);
      for (const [id, m] of this.messages) if (m.runId === run.runId) this.messages.delete(id);
      messages = messages.filter((m) => m.runId !== run.runId);
    }
    this.pruneSometimes(now);
    return { ok: true, firstSeq, lastSeq: run.lastSeq, messages };
  }

  async readEvents(runId: string, afterSeq = 0): Promise<StoredEvent[]> {
    return (this.events.get(runId) ?? []).filter((e) => e.seq > afterSeq).map((e) => structuredClone(e));
  }

  async claim(options: ClaimOptions): Promise<QueueMessage[]> {
    const due = [...this.messages.values()]
      .filter((m) => m.availableAt <= options.now && (m.leasedUntil === null || m.leasedUntil <= options.now))
      .filter((m) => !options.kinds || options.kinds.includes(m.kind))
      .sort((a, b) => a.availableAt - b.availableAt || Number(a.id) - Number(b.id))
      .slice(0, options.limit);
    for (const m of due) m.leasedUntil = options.now + options.leaseMs;
    return due.map(publicMessage);
  }

  async ack(ids: MessageId[]): Promise<void> {
    for (const id of ids) this.messages.delete(id);
  }

  async release(ids: MessageId[]): Promise<void> {
    for (const id of ids) {
      const m = this.messages.get(id);
      if (m) m.leasedUntil = null;
    }
    this.notify();
  }

  async renewLeases(ids: MessageId[], leaseMs: number): Promise<void> {
    const until = this.now() + leaseMs;
    for (const id of ids) {
      const m = this.messages.get(id);
      if (m && m.leasedUntil !== null) m.leasedUntil = until;
    }
  }

  async nextAvailableAt(): Promise<number | null> {
    const free = [...this.messages.values()].filter((m) => m.leasedUntil === null).map((m) => m.availableAt);
    return free.length > 0 ? Math.min(...free) : null;
  }

  onWork(listener: () => void): () => void {
    const entry = () => listener();
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  async getHook(token: string): Promise<HookRecord | null> {
    const hook = this.hooks.get(token);
    return hook ? publicHook(hook) : null;
  }

  async listHooks(filter: { runId: string }): Promise<HookRecord[]> {
    return [...this.hooks.values()]
      .filter((h) => h.runId === filter.runId)
      .sort((a, b) => a.order - b.order)
      .map(publicHook);
  }

  async getReleasedHook(token: string): Promise<ReleasedHookRecord | null> {
    const hook = this.released.get(token);
    return hook && hook.releasedAt + this.retentionMs > this.now() ? structuredClone(hook) : null;
  }

  async getDelivery(token: string, id: string): Promise<DeliveryRecord | null> {
    const delivery = this.liveDelivery(deliveryKey(token, id), this.now());
    return delivery ? structuredClone(delivery) : null;
  }

  async putResponse(requestId: string, response: string): Promise<void> {
    const delivery = this.deliveries.get(this.byRequest.get(requestId) ?? "");
    if (delivery?.requestId === requestId) delivery.response = response;
    const waiter = this.waiters.get(requestId)?.shift();
    if (waiter) waiter(response);
    else this.responses.set(requestId, response);
  }

  async awaitResponse(requestId: string, timeoutMs: number): Promise<string | null> {
    const ready = this.responses.get(requestId);
    if (ready !== undefined) {
      this.responses.delete(requestId);
      return ready;
    }
    return new Promise((resolve) => {
      const list = this.waiters.get(requestId) ?? [];
      this.waiters.set(requestId, list);
      const done = (value: string | null) => {
        clearTimeout(timer);
        list.splice(list.indexOf(done) >>> 0, 1);
        resolve(value);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      list.push(done);
    });
  }

  async pruneRuns(options: PruneRunsOptions): Promise<RunId[]> {
    const ended = (r: RunRecord) => r.completedAt ?? r.createdAt;
    const picked = [...this.runs.values()]
      .map((r) => r.record)
      .filter((r) => isPrunable(r, options.endedBefore))
      .sort((a, b) => ended(a) - ended(b) || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0))
      .slice(0, options.limit ?? Number.POSITIVE_INFINITY)
      .map((r) => r.runId);
    if (options.dryRun) return picked;
    for (const id of picked) {
      this.runs.delete(id);
      this.events.delete(id);
      const prefix = `${id}\u0000`;
      for (const k of this.dedupe) if (k.startsWith(prefix)) this.dedupe.delete(k);
      for (const [token, hook] of this.released) if (hook.runId === id) this.released.delete(token);
      for (const [key, delivery] of this.deliveries) {
        if (delivery.runId !== id) continue;
        this.deliveries.delete(key);
        if (delivery.requestId !== undefined) this.byRequest.delete(delivery.requestId);
      }
      this.streams.deleteRun(id);
    }
    return picked;
  }

  async putBundle(hash: string, code: string): Promise<void> {
    // Re-inserted: listBundles is oldest stored first.
    this.bundles.delete(hash);
    this.bundles.set(hash, { code, storedAt: Date.now() });
  }

  async getBundle(hash: string): Promise<string | null> {
    return this.bundles.get(hash)?.code ?? null;
  }

  async listBundles(): Promise<BundleInfo[]> {
    return [...this.bundles].map(([hash, { storedAt }]) => ({ hash, storedAt }));
  }

  async deleteBundles(hashes: string[]): Promise<void> {
    for (const hash of hashes) this.bundles.delete(hash);
  }

  async close(): Promise<void> {}

  private liveDelivery(key: string, now: number): DeliveryRecord | undefined {
    const delivery = this.deliveries.get(key);
    return delivery && delivery.expiresAt > now ? delivery : undefined;
  }

  private releaseHook(token: string, reason: ReleasedHookRecord["reason"], now: number): void {
    const hook = this.hooks.get(token);
    if (!hook) return;
    this.hooks.delete(token);
    const { order: _, metadata: __, ...kept } = hook;
    this.released.set(token, { ...kept, releasedAt: now, reason });
  }

  /** Forgets expired deliveries and released hooks past their retention: both stay bounded. */
  private pruneSometimes(now: number): void {
    if (now < this.nextPrune) return;
    this.nextPrune = now + PRUNE_EVERY_MS;
    for (const [key, delivery] of this.deliveries) {
      if (delivery.expiresAt > now) continue;
      this.deliveries.delete(key);
      if (delivery.requestId !== undefined) this.byRequest.delete(delivery.requestId);
    }
    for (const [token, hook] of this.released) {
      if (hook.releasedAt + this.retentionMs <= now) this.released.delete(token);
    }
  }

  private insert(inputs: MessageInput[]): QueueMessage[] {
    const inserted: QueueMessage[] = [];
    for (const input of inputs) {
      const { leased, leaseMs, ...fields } = input;
      const pending = [...this.messages.values()].some(
        (m) => input.dedupeKey !== undefined && m.runId === input.runId && m.dedupeKey === input.dedupeKey,
      );
      if (pending) continue;
      const id = messageId(String(++this.counter));
      const message: StoredMessage = {
        ...fields,
        id,
        availableAt: input.availableAt ?? this.now(),
        leasedUntil: leased ? (leaseMs !== undefined ? this.now() + leaseMs : Infinity) : null,
      };
      this.messages.set(id, message);
      inserted.push(publicMessage(message));
      if (!leased) this.notify();
    }
    return inserted;
  }

  private notify(): void {
    setImmediate(() => {
      for (const listener of this.listeners) listener();
    });
  }
}

function publicMessage({ leasedUntil: _, ...message }: StoredMessage): QueueMessage {
  return { ...message };
}

function deliveryKey(token: string, id: string): string {
  return `${token}\u0000${id}`;
}

function publicHook({ order: _, ...hook }: HookRecord & { order: number }): HookRecord {
  return structuredClone(hook);
}

/** A fresh, empty in-memory World (for tests and examples: nothing is durable). */
export function memoryWorld(options?: MemoryWorldOptions): MemoryWorld {
  return new MemoryWorld(options);
}
