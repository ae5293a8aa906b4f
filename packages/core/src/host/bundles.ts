import type { World } from "@wfkit/world";
import type { SandboxHost, WorkflowSandbox } from "./sandbox-host.js";

/** A bundle no unfinished run needs is deleted from the World only once it is this old (another process may still start runs on it). */
export const BUNDLE_PRUNE_GRACE_MS = 60 * 60_000;

/**
 * Runs stay on their build. Every run records the hash of the workflow bundle it
 * started on (`run_created.bundle`); the bundle's code is stored in the World
 * (`putBundle`) before the first run on it is created, so any process can replay
 * the run on that code after a deploy or a restart. New runs get the current bundle.
 *
 * Kept: the current bundle, and every bundle an unfinished run recorded. Pruned (at
 * `recover()` and at each reload): bundles neither current nor recorded by an
 * unfinished run, once stored more than {@link BUNDLE_PRUNE_GRACE_MS} ago, from the
 * World and from this process's sandboxes.
 */
export class RunBundles {
  private current: { code: string; hash: string };
  /** Bundles the sandbox host holds (the current one, older ones loaded for runs). */
  private readonly loaded = new Set<string>();
  private stored: Promise<void> | undefined;
  private readonly missing = new Set<string>();

  constructor(
    private readonly world: World,
    private readonly sandboxes: SandboxHost,
    workflows: { code: string; hash: string },
    private readonly log: (level: string, args: unknown[]) => void,
    /** `"latest"`: runs replay on the current bundle (they move to new code, guarded by `patched()`). */
    private readonly versioning: "pinned" | "latest" = "pinned",
  ) {
    this.current = { code: workflows.code, hash: workflows.hash };
    this.loaded.add(workflows.hash);
  }

  get currentHash(): string {
    return this.current.hash;
  }

  /** A new build: new runs get it; runs in flight keep theirs. */
  setCurrent(code: string, hash: string): void {
    if (hash === this.current.hash) return;
    this.current = { code, hash };
    this.sandboxes.setScript(code, hash);
    this.loaded.add(hash);
    this.stored = undefined;
  }

  /** Stores the current bundle in the World (once per bundle); a run records its hash only after this. */
  ensureStored(): Promise<void> {
    if (!this.stored) {
      const { code, hash } = this.current;
      const storing = this.world.putBundle(hash, code);
      this.stored = storing;
      // A failed store is tried again by the next caller.
      storing.catch(() => {
        if (this.stored === storing) this.stored = undefined;
      });
    }
    return this.stored;
  }

  /**
   * Where a run that recorded `bundle` gets its instances: that bundle's, loaded from
   * the World if this process does not hold it. A run without one (recorded before
   * bundles were kept), or whose bundle is gone, replays on the current code (logged once).
   */
  async sandboxFor(bundle: string | undefined): Promise<() => WorkflowSandbox> {
    if (bundle === undefined || bundle === this.current.hash || this.versioning === "latest")
      return () => this.sandboxes.take();
    if (!this.loaded.has(bundle)) {
      const code = await this.world.getBundle(bundle);
      if (code === null) {
        if (!this.missing.has(bundle)) {
          this.missing.add(bundle);
          this.log("warn", [
            `wfkit: workflow bundle ${bundle} is not stored any more, so its runs replay on the current code (${this.current.hash}).`,
          ]);
        }
        return () => this.sandboxes.take();
      }
      this.sandboxes.addScript(code, bundle);
      this.loaded.add(bundle);
    }
    return () => this.sandboxes.take(bundle);
  }

  /** Deletes bundles no unfinished run needs (see the class comment). Returns the hashes deleted from the World. */
  async prune(now = Date.now()): Promise<string[]> {
    const stored = await this.world.listBundles();
    // Only bundles other than the current one can go: with none, no run's log need be read.
    const candidates = new Set([...stored.map((b) => b.hash), ...this.loaded]);
    candidates.delete(this.current.hash);
    if (candidates.size === 0) return [];
    const inUse = new Set([this.current.hash]);
    scan: for (let before: { createdAt: number; runId: string } | undefined; ; ) {
      const page = await this.world.listRuns({
        status: ["pending", "running"],
        limit: 500,
        ...(before && { before }),
      });
      for (const run of page) {
        const [created] = await this.world.readEvents(run.runId).catch(() => []);
        if (created?.type === "run_created" && created.bundle !== undefined) inUse.add(created.bundle);
        // Every candidate is used by some run: nothing to prune, the rest of the runs change nothing.
        if (inUse.size > candidates.size && [...candidates].every((hash) => inUse.has(hash))) break scan;
      }
      if (page.length < 500) break;
      const last = page[page.length - 1]!;
      before = { createdAt: last.createdAt, runId: last.runId };
    }
    for (const hash of [...this.loaded]) {
      if (inUse.has(hash)) continue;
      this.sandboxes.dropScript(hash);
      this.loaded.delete(hash);
    }
    const stale = stored
      .filter((b) => !inUse.has(b.hash) && b.storedAt < now - BUNDLE_PRUNE_GRACE_MS)
      .map((b) => b.hash);
    await this.world.deleteBundles(stale);
    return stale;
  }
}
