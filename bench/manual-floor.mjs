// The floor under the manual `respondWith` round trip on this machine: a bare `node:http`
// server with no workflow work, called the way the peer-bench driver calls the manual
// scenario (fetch; a start and a hook poll before each measured POST, 10 ms apart).
//   durable: the POST's body is inserted into SQLite (WAL, synchronous=NORMAL) and the WAL
//            fdatasynced on libuv's pool before the answer, as the SQLite World records a request;
//   answer:  the same server answering at once, nothing stored.
// What wfkit adds on top of `durable` is the workflow: the hook's lookup, the activation, the step.
//   node bench/manual-floor.mjs [--reps 100] [--rounds 2]
import { spawn } from "node:child_process";
import { fdatasync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./lib/driver.mjs";

const here = fileURLToPath(import.meta.url);
const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : argv[i + 1];
};

if (argv[0] === "--serve") await serve(argv[1], Number(argv[2]));
else await measure(Number(flag("reps", 100)), Number(flag("rounds", 2)));

/** The bare server, in a process of its own as the bench servers are. */
async function serve(mode, port) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wfkit-manual-floor-"));
  const Database = createRequire(path.join(path.dirname(here), "../packages/world-sqlite/package.json"))(
    "better-sqlite3",
  );
  const db = new Database(path.join(dir, "floor.sqlite"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("CREATE TABLE requests (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  const insert = db.prepare("INSERT INTO requests (body) VALUES (?)");
  const wal = openSync(path.join(dir, "floor.sqlite-wal"), "r+");
  const durable = (body) => {
    insert.run(body);
    return new Promise((resolve, reject) => fdatasync(wal, (e) => (e ? reject(e) : resolve())));
  };
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    if (req.method === "POST" && req.url === "/hook" && mode === "durable") await durable(body);
    const text = JSON.stringify(req.url === "/hook" ? { echoed: body } : { ok: true });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  });
  server.listen(port, "127.0.0.1", () => console.log("ready"));
  process.on("SIGTERM", () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

async function measure(reps, rounds) {
  const load = () => readFileSync("/proc/loadavg", "utf8").split(" ")[0];
  console.log(
    `manual floor: ${reps} POSTs per mode and round, node ${process.version}, ${os.cpus().length} cores`,
  );
  for (let round = 1; round <= rounds; round++) {
    for (const mode of ["durable", "answer"]) {
      const port = await freePort();
      const child = spawn(process.execPath, [here, "--serve", mode, String(port)], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      await new Promise((resolve) => child.stdout.once("data", resolve));
      const base = `http://127.0.0.1:${port}`;
      const call = async (method, p, body) => (await fetch(base + p, { method, body })).text();
      const before = load();
      const rtts = [];
      for (let i = -5; i < reps; i++) {
        await call("POST", "/start", "{}");
        await new Promise((resolve) => setTimeout(resolve, 10));
        await call("GET", "/hooks");
        const t0 = performance.now();
        await call("POST", "/hook", JSON.stringify({ i }));
        if (i >= 0) rtts.push(performance.now() - t0);
        await call("GET", "/run");
      }
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
      rtts.sort((a, b) => a - b);
      const at = (q) => rtts[Math.min(rtts.length - 1, Math.floor(rtts.length * q))].toFixed(2);
      console.log(
        `round ${round} ${mode.padEnd(7)} POST→response median ${at(0.5)} ms, p95 ${at(0.95)} ms (load ${before})`,
      );
    }
  }
}
