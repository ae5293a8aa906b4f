import type { AppendRequest, CreateRunInput } from "../append.js";
import type { MessageId } from "../ids.js";
import type { ClaimOptions, MessageInput } from "../queue.js";
import type { ListRunsFilter, PruneRunsOptions } from "../runs.js";
import type { StreamAppendRequest, StreamListener, WorldStreams } from "../streams.js";
import type { World } from "../world.js";
import { MemoryWorld, type MemoryWorldOptions } from "./memory-world.js";

/** The lease of a message inserted `leased` without `leaseMs`, on a World shared by processes. */
export const SHARED_DEFAULT_LEASE_MS = 60_000;

/**
 * One in-memory store that several "processes" connect to, each through its own
 * {@link MemoryWorldConnection}: tests of runtimes sharing one World (as app
 * processes share one PostgreSQL database), run inside one Node process. Like
 * {@link MemoryWorld}, nothing is durable.
 *
 * @example
 * ```ts
 * const shared = sharedMemoryWorld();
 * const a = new Runtime({ world: shared.connect(), workflows });
 * const b = new Runtime({ world: shared.connect(), workflows });
 * ```
 */
export class SharedMemoryWorld {
  private readonly store: MemoryWorld;

  constructor(options: MemoryWorldOptions = {}) {
    this.store = new MemoryWorld(options);
  }

  /** A new connection: what one process sees of the shared store. */
  connect(): MemoryWorldConnection {
    return new MemoryWorldConnection(this.store);
  }
}

/** A fresh shared in-memory store; `connect()` once per simulated process. */
export function sharedMemoryWorld(options?: MemoryWorldOptions): SharedMemoryWorld {
  return new SharedMemoryWorld(options);
}

const never = <T>(): Promise<T> => new Promise<T>(() => {});

/**
 * One process's view of a {@link SharedMemoryWorld}. It is not the only writer
 * (`singleProcess` is false), so a runtime on it behaves as on a World shared by
 * processes: messages it inserts `leased` expire after their `leaseMs` (or
 * {@link SHARED_DEFAULT_LEASE_MS}). `close()` ends this connection only;
 * `crash()` makes it behave like a process that died: every later call never
 * settles and its listeners hear nothing more.
 */
export class MemoryWorldConnection implements World {
  readonly name = "memory";
  readonly singleProcess = false;
  readonly streams: WorldStreams;
  private dead = false;
  private readonly unsubscribers = new Set<() => void>();

  constructor(private readonly store: MemoryWorld) {
    const streams = store.streams;
    this.streams = {
      append: (request: StreamAppendRequest) => this.call(() => streams.append(request)),
      read: (runId, namespace, options) => this.call(() => streams.read(runId, namespace, options)),
      info: (runId, namespace) => this.call(() => streams.info(runId, namespace)),
      list: (runId) => this.call(() => streams.list!(runId)),
      onAppend: (listener: StreamListener) =>
        this.subscribe(streams.onAppend((event) => !this.dead && listener(event))),
    };
  }

  /** Whether `crash()` was called. */
  get crashed(): boolean {
    return this.dead;
  }

  /** Simulates the death of the process holding this connection (no graceful hand-off). */
  crash(): void {
    this.dead = true;
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    this.unsubscribers.clear();
  }

  createRun(input: CreateRunInput) {
    const firstTurn = input.firstTurn && {
      ...input.firstTurn,
      ...(input.firstTurn.enqueue && { enqueue: input.firstTurn.enqueue.map(withLease) }),
    };
    return this.call(() =>
      this.store.createRun({
        ...input,
        ...(input.enqueue && { enqueue: input.enqueue.map(withLease) }),
        ...(firstTurn && { firstTurn }),
      }),
    );
  }

  getRun(runId: string) {
    return this.call(() => this.store.getRun(runId));
  }

  listRuns(filter?: ListRunsFilter) {
    return this.call(() => this.store.listRuns(filter));
  }

  pruneRuns(options: PruneRunsOptions) {
    return this.call(() => this.store.pruneRuns(options));
  }

  putBundle(hash: string, code: string) {
    return this.call(() => this.store.putBundle(hash, code));
  }

  getBundle(hash: string) {
    return this.call(() => this.store.getBundle(hash));
  }

  listBundles() {
    return this.call(() => this.store.listBundles());
  }

  deleteBundles(hashes: string[]) {
    return this.call(() => this.store.deleteBundles(hashes));
  }

  append(request: AppendRequest) {
    return this.call(() =>
      this.store.append(request.enqueue ? { ...request, enqueue: request.enqueue.map(withLease) } : request),
    );
  }

  readEvents(runId: string, afterSeq?: number) {
    return this.call(() => this.store.readEvents(runId, afterSeq));
  }

  claim(options: ClaimOptions) {
    return this.call(() => this.store.claim(options));
  }

  ack(ids: MessageId[]) {
    return this.call(() => this.store.ack(ids));
  }

  release(ids: MessageId[]) {
    return this.call(() => this.store.release(ids));
  }

  renewLeases(ids: MessageId[], leaseMs: number) {
    return this.call(() => this.store.renewLeases(ids, leaseMs));
  }

  nextAvailableAt() {
    return this.call(() => this.store.nextAvailableAt());
  }

  onWork(listener: () => void): () => void {
    return this.subscribe(this.store.onWork(() => !this.dead && listener()));
  }

  getHook(token: string) {
    return this.call(() => this.store.getHook(token));
  }

  listHooks(filter: { runId: string }) {
    return this.call(() => this.store.listHooks(filter));
  }

  getReleasedHook(token: string) {
    return this.call(() => this.store.getReleasedHook(token));
  }

  getDelivery(token: string, id: string) {
    return this.call(() => this.store.getDelivery(token, id));
  }

  putResponse(requestId: string, response: string) {
    return this.call(() => this.store.putResponse(requestId, response));
  }

  awaitResponse(requestId: string, timeoutMs: number) {
    return this.call(() => this.store.awaitResponse(requestId, timeoutMs));
  }

  /** Ends this connection's subscriptions; the shared store and other connections go on. */
  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    this.unsubscribers.clear();
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return this.dead ? never<T>() : fn();
  }

  private subscribe(unsubscribe: () => void): () => void {
    this.unsubscribers.add(unsubscribe);
    return () => {
      this.unsubscribers.delete(unsubscribe);
      unsubscribe();
    };
  }
}

/** `leased` never means "held forever" on a shared World: such a lease ends after the default. */
function withLease(message: MessageInput): MessageInput {
  return message.leased && message.leaseMs === undefined
    ? { ...message, leaseMs: SHARED_DEFAULT_LEASE_MS }
    : message;
}
