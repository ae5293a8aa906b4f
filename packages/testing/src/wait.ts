/** How long {@link waitFor} keeps checking, and how often. */
export interface WaitOptions {
  /** Give up after this long. Default 30 000 ms. */
  timeoutMs?: number;
  /** The first pause between checks; it doubles after each check up to `maxIntervalMs`. Default 2 ms. */
  intervalMs?: number;
  /** The longest pause between checks. Default 200 ms. */
  maxIntervalMs?: number;
}

/** What a check gives back while the condition does not hold yet. */
export type NotYet = undefined | null | false;

/**
 * Polls `check` until it gives a value other than `undefined`, `null` or
 * `false`, and returns that value.
 *
 * A check that throws counts as "not yet" (a server that is still starting
 * answers with errors); the last error is quoted if the wait times out. The
 * deadline only turns a hang into a readable failure: tests wait on
 * conditions, never for a fixed time.
 *
 * @param what - Finishes the sentence "waiting for ..." in the timeout message.
 * @param options - A timeout in milliseconds, or {@link WaitOptions}.
 *
 * @example
 * const hook = await waitFor("the approval hook", async () =>
 *   (await world.listHooks({ runId })).find((h) => h.kind === "hook"));
 */
export async function waitFor<T>(
  what: string,
  check: () => T | NotYet | Promise<T | NotYet>,
  options: number | WaitOptions = {},
): Promise<T> {
  const {
    timeoutMs = 30_000,
    intervalMs = 2,
    maxIntervalMs = 200,
  } = typeof options === "number" ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let delay = intervalMs; ; delay = Math.min(delay * 2, maxIntervalMs)) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value as T;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const why = lastError === undefined ? "" : `; the last check threw: ${describe(lastError)}`;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
