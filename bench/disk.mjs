// `npm run bench:disk`: bytes of stored data per seq10 run on the embedded SQLite World
// (packages/core/bench/workflows.ts, in one process, against the built packages).
// Prints the data dir (db + -wal + -shm) per run before a checkpoint, the database file
// per run after `PRAGMA wal_checkpoint(TRUNCATE)`, and where the bytes go (dbstat).
//   node bench/disk.mjs [runs=500] [--keep]
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildStepBundle, buildWorkflowBundle } from "@wfkit/builder";
import { Runtime } from "@wfkit/core";
import Database from "better-sqlite3";

// WFKIT_BENCH_WORLD_SQLITE: another build of the SQLite World (a path to its dist/index.js), to compare.
const { sqliteWorld } = await import(process.env.WFKIT_BENCH_WORLD_SQLITE ?? "@wfkit/world-sqlite");
const args = process.argv.slice(2);
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 500);
const keep = args.includes("--keep");
const warmup = 20;

const benchRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), "../packages/core/bench");
const workflows = await buildWorkflowBundle({ root: benchRoot, files: ["workflows.ts"] });
const steps = await buildStepBundle({
  root: benchRoot,
  files: ["workflows.ts"],
  outDir: mkdtempSync(path.join(tmpdir(), "wfkit-disk-steps-")),
});
await import(pathToFileURL(steps.file).href);
const seq10 = "workflow//workflows//seq10";

const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-disk-"));
const dbFile = path.join(dataDir, "world.sqlite");

/** Apparent and allocated bytes of the database, its WAL and its shared-memory index. */
function files() {
  const out = { apparent: 0, allocated: 0, parts: {} };
  for (const name of readdirSync(dataDir)) {
    if (!name.startsWith("world.sqlite")) continue;
    const st = statSync(path.join(dataDir, name));
    out.apparent += st.size;
    out.allocated += st.blocks * 512;
    out.parts[name.slice("world.sqlite".length) || "db"] = st.size;
  }
  return out;
}

/** Bytes per table/index as SQLite stores them (pages), and the payload bytes in them. */
function dbstat(db) {
  const rows = db
    .prepare(
      `SELECT name, count(*) AS pages, sum(pgsize) AS bytes, sum(payload) AS payload, sum(ncell) AS cells
       FROM dbstat GROUP BY name ORDER BY name`,
    )
    .all();
  return new Map(rows.map((r) => [r.name, r]));
}

const checkpoint = () => {
  const db = new Database(dbFile);
  try {
    return db.pragma("wal_checkpoint(TRUNCATE)")[0];
  } finally {
    db.close();
  }
};

const world = sqliteWorld({ dataDir });
const runtime = new Runtime({ world, workflows, log: () => {} });
await runtime.recover();
const runIds = [];
async function runMany(n) {
  for (let i = 0; i < n; i++) {
    const run = await runtime.start(seq10, [i]);
    runIds.push(run.runId);
    await run.returnValue;
  }
}
await runMany(warmup);
checkpoint();
const side = new Database(dbFile, { readonly: true });
const before = { files: files(), stat: dbstat(side) };
const t0 = performance.now();
await runMany(runs);
const ms = performance.now() - t0;
const grown = files();
const ck = checkpoint();
const after = { files: files(), stat: dbstat(side) };

const kb = (b) => `${(b / 1024).toFixed(2)} KB`;
const per = (b) => kb(b / runs);
console.log(
  `wfkit disk bench — ${runs} seq10 runs (after ${warmup} warm-up runs), SQLite World, node ${process.version}`,
);
console.log(`  ${(ms / runs).toFixed(2)} ms per run`);
console.log(
  `  before checkpoint: data dir ${per(grown.apparent - before.files.apparent)} apparent, ${per(grown.allocated - before.files.allocated)} allocated per run  (files now: ${JSON.stringify(grown.parts)})`,
);
console.log(`  checkpoint(TRUNCATE): ${JSON.stringify(ck)}`);
console.log(
  `  after checkpoint:  data dir ${per(after.files.apparent - before.files.apparent)} apparent, ${per(after.files.allocated - before.files.allocated)} allocated per run  (files now: ${JSON.stringify(after.files.parts)})`,
);
const freelist = side.pragma("freelist_count", { simple: true });
console.log(`  page size ${side.pragma("page_size", { simple: true })}, free pages ${freelist}`);
console.log("  per run, by table/index (pages grown; payload grown; cells grown):");
const tables = new Set([...before.stat.keys(), ...after.stat.keys()]);
const lines = [];
for (const name of tables) {
  const a = before.stat.get(name) ?? { bytes: 0, payload: 0, cells: 0 };
  const b = after.stat.get(name) ?? { bytes: 0, payload: 0, cells: 0 };
  if (b.bytes === a.bytes && b.payload === a.payload) continue;
  lines.push([name, (b.bytes - a.bytes) / runs, (b.payload - a.payload) / runs, (b.cells - a.cells) / runs]);
}
lines.sort((x, y) => y[1] - x[1]);
for (const [name, bytes, payload, cells] of lines)
  console.log(
    `    ${name.padEnd(32)} ${kb(bytes).padStart(10)}  payload ${kb(payload).padStart(9)}  cells ${cells.toFixed(1)}`,
  );

// What the rows hold: the event bodies by type, and the strings repeated in every row.
const measured = runIds.slice(warmup);
const sample = measured.slice(-Math.min(50, measured.length));
const q = (sql, ...p) => side.prepare(sql).all(...p);
const inList = `(${sample.map(() => "?").join(",")})`;
// Schema 8 names the run in every event row and the type in every body; schema 9 stores a run key and a type code.
const keyed = q("SELECT name FROM pragma_table_info('events')").some((c) => c.name === "run_key");
const runOf = keyed
  ? "run_key IN (SELECT run_key FROM runs WHERE run_id IN " + inList + ")"
  : `run_id IN ${inList}`;
const names = new Map();
if (keyed) {
  const events = await world.readEvents(sample[0]);
  const codes = q(
    `SELECT seq, type FROM events WHERE run_key = (SELECT run_key FROM runs WHERE run_id = ?)`,
    sample[0],
  );
  for (const { seq, type } of codes) names.set(type, events.find((e) => e.seq === seq)?.type);
}
const byType = q(
  `SELECT ${keyed ? "type" : "json_extract(body, '$.type')"} AS type, count(*) AS n, sum(length(body)) AS body
   FROM events WHERE ${runOf} GROUP BY type ORDER BY body DESC`,
  ...sample,
);
console.log(`  events per run (mean of the last ${sample.length} runs): type, count, body bytes`);
for (const r of byType) {
  const type = keyed ? `${names.get(r.type)} (${r.type})` : r.type;
  console.log(
    `    ${String(type).padEnd(24)} ${(r.n / sample.length).toFixed(1).padStart(5)}  ${String(Math.round(r.body / sample.length)).padStart(6)} B`,
  );
}
const one = q(
  `SELECT seq, body FROM events WHERE ${keyed ? "run_key = (SELECT run_key FROM runs WHERE run_id = ?)" : "run_id = ?"} ORDER BY seq LIMIT 3`,
  sample[0],
);
console.log(
  `  example run id ${sample[0]} (${sample[0].length} chars, ${keyed ? "stored once, in runs" : "stored in every event row"}); first bodies:`,
);
for (const r of one)
  console.log(`    ${r.seq}: ${r.body.length > 160 ? `${r.body.slice(0, 160)}…` : r.body}`);
const run = q("SELECT * FROM runs WHERE run_id = ?", sample[0])[0];
console.log(
  `  runs row: ${JSON.stringify(run).length} chars as JSON, workflow_id ${JSON.stringify(run.workflow_id)}`,
);

side.close();
await runtime.close();
if (keep) console.log(`  kept ${dataDir}`);
else rmSync(dataDir, { recursive: true, force: true });
