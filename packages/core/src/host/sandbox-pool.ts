import { SandboxInstance, type SandboxOptions, type SandboxScript } from "./sandbox-vm.js";

/**
 * Keeps a few workflow contexts ready (bundle evaluated, no run started), so
 * a new or evicted run does not wait ~1 ms for `vm.createContext` and the
 * bundle's evaluation. Refilled when the event loop is free: after each take
 * (`refillOnTake`), or when the owner calls `refill` (a sandbox worker, at idle moments).
 */
export class SandboxPool {
  private ready: SandboxInstance[] = [];
  private refilling = false;
  /** A script whose evaluation threw: not evaluated again here (take() throws it to its caller). */
  private failed: SandboxScript | undefined;

  constructor(
    private script: SandboxScript,
    private readonly options: SandboxOptions,
    private readonly size: number,
    private readonly refillOnTake = true,
  ) {
    this.refill();
  }

  take(): SandboxInstance {
    const instance = this.ready.pop() ?? new SandboxInstance(this.script, this.options);
    if (this.refillOnTake) this.refill();
    return instance;
  }

  /** New code: contexts made from the old bundle are dropped. */
  setScript(script: SandboxScript): void {
    this.script = script;
    this.ready = [];
    this.refill();
  }

  /** Makes contexts until the pool is full, one per turn of the event loop. */
  refill(): void {
    if (this.refilling || this.ready.length >= this.size || this.failed === this.script) return;
    this.refilling = true;
    setImmediate(() => {
      this.refilling = false;
      if (this.ready.length < this.size && this.failed !== this.script) {
        try {
          this.ready.push(new SandboxInstance(this.script, this.options));
        } catch {
          // Thrown here, nothing could catch it and the process would die; take() makes
          // its own instance and throws the same error to start() or the run's replay.
          this.failed = this.script;
          return;
        }
        this.refill();
      }
    }).unref();
  }
}
