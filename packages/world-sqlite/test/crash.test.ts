import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteWorld } from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const child = join(here, "fixtures", "crash-child.mjs");
const runId = "wrun_crash";

interface Round {
  /** Lines "<seq> <label>": appends the child saw committed. */
  acknowledged: Array<{ seq: number; label: string }>;
  stderr: string;
}

/**
 * Starts the child on `dataDir` and SIGKILLs it once it has acknowledged
 * `killAfter` appends (0: as soon as it has started, possibly mid-open).
 * Lines already in the pipe when it dies are still read.
 */
function crashRound(dataDir: string, killAfter: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, dataDir, runId], { stdio: ["ignore", "pipe", "pipe"] });
    const round: Round = { acknowledged: [], stderr: "" };
    let buffered = "";
    let killed = false;
    const kill = () => {
      if (!killed) {
        killed = true;
        proc.kill("SIGKILL");
      }
    };
    if (killAfter === 0) proc.once("spawn", kill);
    proc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "ready") continue;
        const [seq, label] = line.split(" ");
        round.acknowledged.push({ seq: Number(seq), label });
      }
      if (round.acknowledged.length >= killAfter) kill();
    });
    proc.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      round.stderr += chunk;
    });
    proc.on("error", reject);
    proc.on("close", (code, signal) => {
      if (signal !== "SIGKILL") reject(new Error(`child exited with ${code}: ${round.stderr}`));
      else resolve(round);
    });
  });
}

/** Reopens the data dir and checks it holds exactly a gap-free prefix including every acknowledged append. */
async function verify(dataDir: string, acknowledged: Round["acknowledged"]): Promise<number> {
  const world = sqliteWorld({ dataDir });
  try {
    const run = await world.getRun(runId);
    if (!run) {
      expect(acknowledged).toEqual([]);
      return 0;
    }
    const events = await world.readEvents(runId);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    expect(run.lastSeq).toBe(events.length);
    for (const { seq, label } of acknowledged) {
      const event = events[seq - 1];
      expect(event?.type === "step_scheduled" && event.stepId, `acknowledged seq ${seq}`).toBe(label);
    }
    // The outbox committed with the events: one message per appended event, no more, no fewer.
    const labels = events.slice(1).map((e) => (e.type === "step_scheduled" ? e.stepId : e.type));
    const messages = await world.claim({ limit: 1_000_000, now: Date.now(), leaseMs: 1 });
    expect(messages.map((m) => m.payload).sort()).toEqual(labels.sort());
    return events.length;
  } finally {
    await world.close();
  }
}

describe("crash safety", () => {
  const dirs: string[] = [];

  beforeAll(() => {
    // The child runs the built package (plain Node cannot load the TypeScript sources).
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    execFileSync(process.execPath, [tsc, "-b", join(here, "..")], { stdio: "inherit" });
  });

  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("after SIGKILL, a reopened World has every acknowledged append and no gaps", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "wfkit-crash-"));
    dirs.push(dataDir);
    let total = 0;
    // Each round reopens the same directory: the dead child's LOCK is taken over,
    // its leases dropped, and its log continued.
    for (const killAfter of [0, 1, 40, 400, 1_500]) {
      const round = await crashRound(dataDir, killAfter);
      expect(round.stderr).toBe("");
      const seqs = round.acknowledged.map((a) => a.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
      const length = await verify(dataDir, round.acknowledged);
      expect(length).toBeGreaterThanOrEqual(total);
      expect(length).toBeGreaterThanOrEqual(Math.max(0, ...seqs));
      total = length;
    }
    expect(total).toBeGreaterThan(1_500);
  });
});
