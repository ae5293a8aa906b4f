// Workflows of streams.bench.mjs.
import { getWritable } from "workflow";

type Bench = { waitForReader: () => Promise<void> };
const bench = () => (globalThis as unknown as { __streamsBench: Bench }).__streamsBench;

async function pingChunks(count: number) {
  "use step";
  const writer = getWritable<number>().getWriter();
  for (let i = 0; i < count; i++) {
    // The write time; the reader waits for this chunk before the next is written.
    const reached = bench().waitForReader();
    await writer.write(performance.now());
    await reached;
  }
  await writer.close();
}

/** One chunk at a time, each read before the next is written: write → read latency. */
export async function ping(count: number) {
  "use workflow";
  await pingChunks(count);
}

async function bulkChunks(count: number, size: number) {
  "use step";
  const writer = getWritable<Uint8Array>({ namespace: "bulk" }).getWriter();
  const chunk = new Uint8Array(size).fill(7);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await writer.write(chunk);
  // close() returns once every chunk is stored.
  await writer.close();
  return performance.now() - t0;
}

/** `count` chunks of `size` bytes from one step; returns the step's ms from first write to stored. */
export async function bulk(count: number, size: number) {
  "use workflow";
  return await bulkChunks(count, size);
}
