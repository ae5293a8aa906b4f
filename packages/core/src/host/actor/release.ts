// A run this process holds alone, asked for by another process (`World.ownership`,
// ../held-runs.ts): it is let go only once every turn the actor built is committed,
// so the run's turns never run in two processes at once.

/** The releases waiting for a run's appends to settle (`RunActor.whenSettled`). */
export class SettledRelease {
  private waiting: Array<() => void> = [];

  /** `settled`: nothing the actor appended is uncommitted (asked at each check). */
  constructor(private readonly settled: () => boolean) {}

  /** Calls `release` once the actor's appends are settled: at once if they are. */
  add(release: () => void): void {
    this.waiting.push(release);
    this.check();
  }

  /** An append settled: calls the waiting releases if nothing is uncommitted now. */
  check(): void {
    if (this.waiting.length === 0 || !this.settled()) return;
    for (const release of this.waiting.splice(0)) release();
  }
}
