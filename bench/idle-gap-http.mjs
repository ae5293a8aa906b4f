// `node bench/idle-gap-http.mjs [--port 3190]`: packages/core/bench/idle-gap.bench.mjs over
// HTTP, against the peer-bench server (start it first: `PORT=3190 WORKFLOW_DATA_DIR=$(mktemp -d)
// node bench/peer/server.mjs`). One keep-alive connection; after each start the run is polled
// every 2 ms until it completed. Prints, per idle gap before each run, the median start
// round trip and the server's own createdAt→completedAt (1 ms resolution).
import http from "node:http";

const at = process.argv.indexOf("--port");
const port = Number(at > 0 ? process.argv[at + 1] : 3190);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        agent,
        headers: body ? { "content-type": "application/json" } : {},
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () => resolve(JSON.parse(text)));
      },
    );
    request.on("error", reject);
    request.end(body ? JSON.stringify(body) : undefined);
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const pause = (ms) => new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));
for (const workflow of ["noop", "seq10"]) {
  for (const gapMs of [0, 10, 30]) {
    const rtts = [];
    const serverMs = [];
    for (let i = 0; i < 60; i++) {
      await pause(gapMs);
      const t0 = performance.now();
      const { runId } = await call("POST", "/bench/start", {
        workflow,
        args: workflow === "noop" ? [] : [0],
      });
      const rtt = performance.now() - t0;
      // Polled every 2 ms: polling without a pause would take the server's thread from the run.
      let run;
      do {
        await new Promise((resolve) => setTimeout(resolve, 2));
        run = await call("GET", `/bench/run?runId=${runId}&output=0`);
      } while (run.status !== "completed" && run.status !== "failed");
      if (i < 10) continue;
      rtts.push(rtt);
      serverMs.push(Date.parse(run.completedAt) - Date.parse(run.createdAt));
    }
    console.log(
      `${workflow.padEnd(6)} idle ${String(gapMs).padStart(2)} ms before each: start RTT ${median(rtts).toFixed(2)} ms, createdAt→completedAt ${median(serverMs)} ms (median of 50)`,
    );
  }
}
agent.destroy();
