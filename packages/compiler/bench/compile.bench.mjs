// Benchmark of the BUILT compiler (dist/). Build first: npx tsc -b packages/compiler
// Run: npm run bench -w @wfkit/compiler
// Not a test: it prints timings. Inputs come from bench/files (see generate.mjs).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { transform } from "../dist/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const FILES = path.join(here, "files");
const ROOT = path.resolve(here, "..");
const MODES = ["client", "workflow", "step"];
const WARMUP = 60;
const RUNS = 150;
const PASS_RUNS = 5000;

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const fmt = (ms) => ms.toFixed(3).padStart(8);

function time(fn, runs) {
  const samples = new Array(runs);
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    samples[i] = performance.now() - t;
  }
  return samples;
}

const inputs = fs
  .readdirSync(FILES)
  .filter((f) => f.endsWith(".ts"))
  .sort()
  .map((f) => {
    const code = fs.readFileSync(path.join(FILES, f), "utf8");
    const [kind, size] = f.split("-");
    return {
      name: f,
      kind,
      size: Number(size),
      lines: code.split("\n").length,
      code,
      filename: path.join(FILES, f),
    };
  });

// Sanity: every benchmark input compiles cleanly, so we time the real path.
for (const input of inputs.filter((i) => i.kind === "workflows")) {
  const r = transform(input.code, { filename: input.filename, root: ROOT, mode: "workflow" });
  if (r.diagnostics.length > 0 || r.manifest.workflows.length === 0) {
    throw new Error(`${input.name}: unexpected diagnostics or empty manifest`);
  }
}

// Warm up every code path in every mode before measuring.
for (let i = 0; i < WARMUP; i++) {
  for (const input of inputs) {
    for (const mode of MODES) transform(input.code, { filename: input.filename, root: ROOT, mode });
  }
}

console.log(
  `@wfkit/compiler transform() on ${process.version}, ${RUNS} runs per file and mode after ${WARMUP} warm-up rounds`,
);
console.log("");
console.log("size  lines(avg)  mode       median ms    p95 ms");
const bySize = new Map();
for (const input of inputs.filter((i) => i.kind === "workflows")) {
  if (!bySize.has(input.size)) bySize.set(input.size, []);
  bySize.get(input.size).push(input);
}
const summary = [];
for (const [size, group] of [...bySize].sort((a, b) => a[0] - b[0])) {
  const lines = Math.round(group.reduce((s, g) => s + g.lines, 0) / group.length);
  const all = [];
  for (const mode of MODES) {
    const samples = [];
    for (const input of group) {
      const opts = { filename: input.filename, root: ROOT, mode };
      samples.push(...time(() => transform(input.code, opts), RUNS));
    }
    samples.sort((a, b) => a - b);
    all.push(...samples);
    console.log(
      `${String(size).padStart(4)}  ${String(lines).padStart(10)}  ${mode.padEnd(9)} ${fmt(percentile(samples, 0.5))}  ${fmt(percentile(samples, 0.95))}`,
    );
  }
  all.sort((a, b) => a - b);
  summary.push({ size, lines, median: percentile(all, 0.5), p95: percentile(all, 0.95) });
  console.log(
    `${String(size).padStart(4)}  ${String(lines).padStart(10)}  all modes ${fmt(percentile(all, 0.5))}  ${fmt(percentile(all, 0.95))}`,
  );
}

console.log("");
const plain = inputs.filter((i) => i.kind === "plain");
const passSamples = [];
for (const input of plain) {
  const opts = { filename: input.filename, root: ROOT, mode: "workflow" };
  for (let i = 0; i < 200; i++) transform(input.code, opts);
  passSamples.push(...time(() => transform(input.code, opts), PASS_RUNS));
}
passSamples.sort((a, b) => a - b);
const passMedian = percentile(passSamples, 0.5);
console.log(
  `pass-through (no directives, ${plain.length} files ${Math.min(...plain.map((p) => p.lines))}-${Math.max(...plain.map((p) => p.lines))} lines): median ${passMedian.toFixed(4)} ms, p95 ${percentile(passSamples, 0.95).toFixed(4)} ms`,
);

console.log("");
const s300 = summary.find((s) => s.size === 300);
console.log(
  `target: 300-line file median <= 5 ms: ${s300.median.toFixed(3)} ms ${s300.median <= 5 ? "OK" : "MISSED"}`,
);
console.log(
  `target: pass-through median <= 0.05 ms: ${passMedian.toFixed(4)} ms ${passMedian <= 0.05 ? "OK" : "MISSED"}`,
);
